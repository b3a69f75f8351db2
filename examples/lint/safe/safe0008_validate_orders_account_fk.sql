-- Validate the foreign key
--
-- Revision ID: safe0008
-- Revises: safe0007
-- Create Date: 2026-11-24 10:00:00
--
-- VALIDATE CONSTRAINT checks old rows under SHARE UPDATE EXCLUSIVE: reads and writes go on.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk;

-- migrate:downgrade
-- Nothing to undo: safe0007's downgrade drops the constraint.
