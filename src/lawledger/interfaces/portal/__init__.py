"""The client portal (/portal/) and the firm's side of its secure messages (/portal-messages/)."""
