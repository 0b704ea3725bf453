-- Part of the merge (see finalize.sql), run only when the walk down did not reach every step of the tree:
-- finds the steps on parent cycles and gives the others their agent and depth. In three files run in turn
-- (ingest/_driver.py _resolve_unreached): this one, finalize_unreached_jump.sql as many times as it takes,
-- finalize_unreached_rest.sql. No bound on a cycle's length or on the depth of the steps under one (the walk
-- up was bounded at 512: a longer cycle was not found, and was stored; a step more than 512 below a cycle got
-- depth 512 and no agent from above).

-- The steps the walk down did not reach (most inputs have none): on a parent cycle, or under one. Each one's
-- parent is in the tree and unreached too (a step whose parent is reached, or missing, is reached).
CREATE OR REPLACE TEMP TABLE unreached AS
SELECT t.* FROM tree t ANTI JOIN down d ON d.node = t.node;

-- Each unreached step's 1st ancestor; finalize_unreached_jump.sql doubles it (2nd, 4th, ... ancestor).
CREATE OR REPLACE TEMP TABLE jump AS
SELECT node, pnode AS anc FROM unreached;
