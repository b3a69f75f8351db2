CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
/* a /* nested */ b */ VACUUM FULL t; BEGIN; COMMIT;
