"""The client portal's own data: invitations of client users and secure billing messages."""
