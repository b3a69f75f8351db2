-- Enum order, an index qualified by its table, and a database dropped
--
-- Revision ID: unsafe13
-- Revises: unsafe12
-- Transactional: false
-- Create Date: 2026-11-29 21:00:00
--
-- Flags: enum-value-ordering, drop-index-by-table-name, dropping-database. `purchases` is a table, not
-- a schema: DROP INDEX ... IF EXISTS finds nothing and says nothing.

-- migrate:upgrade
CREATE TYPE order_state AS ENUM ('new', 'paid');
ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'packed' BEFORE 'paid';
DROP INDEX CONCURRENTLY IF EXISTS purchases.orders_account_id;
DROP DATABASE IF EXISTS scratch_copy;

-- migrate:downgrade
DROP TYPE IF EXISTS order_state;
