-- Title
-- revision id: A_1
-- revises: None
--
--   indented explanation

-- migrate:upgrade
SELECT 1;
-- migrate:downgrade

