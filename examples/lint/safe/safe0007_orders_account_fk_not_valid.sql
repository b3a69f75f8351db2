-- Foreign key orders -> accounts, NOT VALID
--
-- Revision ID: safe0007
-- Revises: safe0006
-- Create Date: 2026-11-24 10:00:00
--
-- NOT VALID adds the foreign key for new rows without scanning the existing ones.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE orders DROP CONSTRAINT orders_account_fk;
