-- Part of the merge (see finalize.sql) when the walk down reached every step of the tree (the common
-- case): no step is on a parent cycle, so finalize_unreached.sql's tables are empty. Made here without
-- scanning the tree, which at millions of steps costs seconds for nothing.

CREATE OR REPLACE TEMP TABLE cut (node BIGINT);

CREATE OR REPLACE TEMP TABLE unreached_resolved (run_id VARCHAR, step_id VARCHAR, rid BIGINT, agent VARCHAR,
                                                 depth INTEGER);
