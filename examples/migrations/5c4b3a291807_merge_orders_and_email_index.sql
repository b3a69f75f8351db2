-- Merge orders and email index
--
-- Revision ID: 5c4b3a291807
-- Revises: a41c7e5d2b90, 8e7d6c5b4a39
-- Create Date: 2026-02-11 08:30:00
--
-- Joins the two branches so that the files have a single head again.

-- migrate:upgrade

-- migrate:downgrade
