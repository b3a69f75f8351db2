-- Index orders.created_at concurrently
--
-- Revision ID: safe0006
-- Revises: safe0005
-- Transactional: false
-- Create Date: 2026-11-24 10:00:00
--
-- CONCURRENTLY cannot run in a transaction: this revision is not transactional, and every
-- statement says IF [NOT] EXISTS so a rerun after a partial failure succeeds.

-- migrate:upgrade
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at ON orders (created_at);

-- migrate:downgrade
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at;
