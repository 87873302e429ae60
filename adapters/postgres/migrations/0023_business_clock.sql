-- The simulated business clock of this schema, shared by every process on it (OMNI_CLOCK_START,
-- OMNI_CLOCK_SPEED; docs/decisions/2026-12-07-shared-business-clock.md): business time
-- `business_at` at the wall-clock instant `anchored_at` (epoch seconds), running `speed` times
-- faster since. One row, there from the start so that its row lock serialises the first
-- process to start as well; all NULL until a simulation starts (never on the real clock).
CREATE TABLE business_clock (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    business_at timestamptz,
    anchored_at double precision,
    speed       double precision CHECK (speed > 0),
    CHECK ((business_at IS NULL) = (anchored_at IS NULL)
           AND (anchored_at IS NULL) = (speed IS NULL))
);
INSERT INTO business_clock DEFAULT VALUES;
