-- Constraints, domains, keys and names that bite later
--
-- Revision ID: unsafe12
-- Revises: unsafe11
-- Create Date: 2026-11-29 21:00:00
--
-- Flags: dropping-not-null, adding-stored-generated-column, foreign-key-not-valid,
-- check-constraint-not-valid, identifier-too-long, int-primary-key, create-domain-with-constraint,
-- alter-domain-add-constraint, update-column-twice, missing-statement-timeout,
-- require-table-schema. The three-step NOT NULL pattern below runs in one transaction, so the
-- VALIDATE holds the ADD's ACCESS EXCLUSIVE lock through its scan: do it in a later revision.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE purchases ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE purchases ADD COLUMN total_with_tax numeric GENERATED ALWAYS AS (total * 1.2) STORED;
ALTER TABLE purchases ADD COLUMN country_id bigint REFERENCES countries (code);
ALTER TABLE purchases ADD CONSTRAINT purchases_account_not_null CHECK (account_id IS NOT NULL) NOT VALID;
ALTER TABLE purchases VALIDATE CONSTRAINT purchases_account_not_null;
CREATE TABLE coupons_issued_to_accounts_that_signed_up_during_the_spring_campaign (
  id int PRIMARY KEY
);
CREATE DOMAIN percentage AS numeric CHECK (VALUE BETWEEN 0 AND 100);
ALTER DOMAIN percentage ADD CONSTRAINT percentage_whole CHECK (VALUE = round(VALUE));
UPDATE purchases SET total = 0, total = 1 WHERE id = 0;

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
DROP DOMAIN percentage;
DROP TABLE coupons_issued_to_accounts_that_signed_up_during_the_spring_campaign;
ALTER TABLE purchases DROP CONSTRAINT purchases_account_not_null;
ALTER TABLE purchases DROP COLUMN country_id;
ALTER TABLE purchases DROP COLUMN total_with_tax;
