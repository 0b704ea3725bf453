-- Each unreached step's ancestor twice as far up (pointer jumping, see finalize_unreached.sql): after k runs,
-- its 2^k-th. Run until 2^k is at least the number of unreached steps, so that from every step the walk
-- has entered its cycle: the ancestors then reached are exactly the steps on cycles (on a cycle the
-- 2^k-th ancestor turns the cycle round onto itself, so every step of it is one). log2(n) joins of n rows.
CREATE OR REPLACE TEMP TABLE jump AS
SELECT j.node, k.anc FROM jump j JOIN jump k ON k.node = j.anc;
