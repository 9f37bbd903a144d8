-- Named leases: work that must run in one bot process at a time (housekeeping) is done by whoever
-- holds the lease; a holder that dies stops renewing and another process takes over once it expires.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    acquired_at DOUBLE PRECISION NOT NULL
);
