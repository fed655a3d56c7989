-- How the other files declare their statement triggers. A statement trigger sees every row a
-- statement wrote through transition tables (one call per statement, set-based), which
-- PostgreSQL allows for one event per trigger: so each (table, effect) has up to three
-- triggers named <table>_<event>_<effect>, all calling the function <table>_<effect>().
-- Repeatable file: `migrate` re-applies it whenever it changes.

create or replace procedure create_statement_triggers(target text, effect text, events text[])
language plpgsql as $$
declare
    event text;
begin
    foreach event in array events loop
        execute format('create or replace trigger %I after %s on %I %s for each statement execute function %I()',
                       concat_ws('_', target, event, effect), event, target,
                       case event when 'insert' then 'referencing new table as new_rows'
                                  when 'update' then 'referencing old table as old_rows new table as new_rows'
                                  when 'delete' then 'referencing old table as old_rows' end,
                       concat_ws('_', target, effect));
    end loop;
end;
$$;
