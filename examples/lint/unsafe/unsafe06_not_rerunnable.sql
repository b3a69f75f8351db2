-- Non-transactional revision without IF [NOT] EXISTS
--
-- Revision ID: unsafe06
-- Revises: unsafe05
-- Transactional: false
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: missing-if-exists (a rerun after a partial failure fails on the first statement).

-- migrate:upgrade
CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_account ON orders (account_id);

-- migrate:downgrade
DROP INDEX CONCURRENTLY IF EXISTS orders_account;
DROP INDEX CONCURRENTLY IF EXISTS accounts_email;
