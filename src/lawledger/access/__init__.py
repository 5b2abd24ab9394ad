"""Users, roles, matter assignment, ethical walls, and the one access policy (I9)."""
