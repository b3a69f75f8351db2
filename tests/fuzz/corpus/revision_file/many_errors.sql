-- Revision ID: bad-id
-- Revises: ,
SELECT 1;
-- migrate:sideways
-- migrate:downgrade
-- migrate:upgrade
