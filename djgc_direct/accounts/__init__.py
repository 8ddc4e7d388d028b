"""Users, roles, logins and server-side sessions."""
