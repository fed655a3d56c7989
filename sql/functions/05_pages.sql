-- GET /api/leagues/<id> is read on every page load, and its body changes only when one of the
-- league's tournaments changes status or update time, when the league follows or unfollows a
-- tournament, or when a name changes. So the body is stored (league_page) and rendered when
-- those change, at commit, by whatever path wrote them (the same rule as the marks, SPEC §4):
-- a page load reads one row.
--
-- How a render stays right under concurrent writers:
--   * statement triggers note the leagues whose page a statement changed, in a
--     transaction-local setting (a rolled-back savepoint takes its notes with it);
--   * deferred constraint triggers render the noted pages once, at commit, after every lock
--     on the rows they show has been taken; page rows are locked in league order, so two
--     committing transactions never deadlock on them;
--   * the render runs in the statement after the lock, so its snapshot sees what a
--     transaction that held the lock committed: the last to commit renders last, from all.
-- Repeatable file: `migrate` re-applies it whenever it changes.

-- What a page shows of a league tournament changed (a mark of a row already outdata changes
-- nothing shown, and queues no render).
create or replace function league_tournament_page_changed(o league_tournament, n league_tournament)
returns boolean language sql immutable parallel safe as $$
    select (o.league_id, o.tournament_id, o.participants_scores_status, o.participants_scores_updated_at)
           is distinct from
           (n.league_id, n.tournament_id, n.participants_scores_status, n.participants_scores_updated_at)
$$;

-- These leagues' bodies from scratch (LeagueSchema). A render runs inside whatever transaction
-- changed the page, the app's included: its times are written in UTC whatever the session's
-- TimeZone, so a page never depends on who rendered it.
create or replace function render_league_pages(ids bigint[]) returns table (league_id bigint, body text)
language sql stable set timezone = 'UTC' as $$
    select l.id,
           json_build_object(
               'id', l.id,
               'name', l.name,
               'participants_scores_status', league_status(array_remove(array_agg(lt.participants_scores_status), null)),
               'participants_scores_updated_at', oldest_update(array_agg(lt.participants_scores_updated_at)
                                                                 filter (where lt.id is not null)),
               'tournaments', coalesce(json_agg(json_build_object(
                       'tournament_id', lt.tournament_id, 'name', t.name,
                       'participants_scores_status', lt.participants_scores_status,
                       'participants_scores_updated_at', lt.participants_scores_updated_at)
                   order by lt.tournament_id) filter (where lt.id is not null), '[]'))::text
      from league l
      left join league_tournament lt on lt.league_id = l.id
      left join tournament t on t.id = lt.tournament_id
     where l.id = any(ids)
     group by l.id
$$;

-- Store these leagues' pages now; how many bodies changed. Also the repair after a bulk load
-- with triggers off: select refresh_league_pages(array(select id from league)).
create or replace function refresh_league_pages(ids bigint[]) returns integer
language plpgsql as $$
declare
    changed integer;
begin
    perform 1 from league_page where league_id = any(ids) order by league_id for update;
    with written as (
        insert into league_page as page (league_id, body)
        select rendered.league_id, rendered.body from render_league_pages(ids) as rendered
        on conflict (league_id) do update set body = excluded.body
         where page.body is distinct from excluded.body
        returning 1
    )
    select count(*) into changed from written;
    return changed;
end;
$$;

-- The statement half: remember these leagues for the render at commit.
create or replace function note_league_pages(ids bigint[]) returns void
language sql as $$
    select set_config('pipeline.league_pages',
                      concat_ws(',', nullif(current_setting('pipeline.league_pages', true), ''),
                                nullif(array_to_string(ids, ','), '')),
                      true)
$$;

-- The deferred half: the first of a committing transaction's events renders every noted page.
create or replace function render_noted_league_pages() returns trigger
language plpgsql as $$
declare
    noted text := nullif(current_setting('pipeline.league_pages', true), '');
begin
    if noted is not null then
        perform set_config('pipeline.league_pages', '', true);
        perform refresh_league_pages(array(select distinct id::bigint from unnest(string_to_array(noted, ',')) as id));
    end if;
    return null;
end;
$$;

create or replace function league_tournament_notes_pages() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform note_league_pages(array(select league_id from new_rows));
    elsif tg_op = 'DELETE' then
        perform note_league_pages(array(select league_id from old_rows));
    else
        perform note_league_pages(array(
            select unnest(array[o.league_id, n.league_id])
              from old_rows o join new_rows n on n.id = o.id
             where league_tournament_page_changed(o, n)));
    end if;
    return null;
end;
$$;

call create_statement_triggers('league_tournament', 'notes_pages', array['insert', 'update', 'delete']);

-- Constraint triggers cannot be replaced in place: each is dropped and created again.
drop trigger if exists league_tournament_insert_or_delete_renders_pages on league_tournament;
create constraint trigger league_tournament_insert_or_delete_renders_pages
    after insert or delete on league_tournament deferrable initially deferred
    for each row execute function render_noted_league_pages();
drop trigger if exists league_tournament_update_renders_pages on league_tournament;
create constraint trigger league_tournament_update_renders_pages
    after update on league_tournament deferrable initially deferred
    for each row when (league_tournament_page_changed(old, new)) execute function render_noted_league_pages();

-- A new league has a page from its first commit; a renamed one shows its new name.
create or replace function league_notes_page() returns trigger
language plpgsql as $$
begin
    perform note_league_pages(array[new.id]);
    return null;
end;
$$;

create or replace trigger league_insert_or_update_notes_page
    after insert or update of name on league
    for each row execute function league_notes_page();
drop trigger if exists league_insert_or_update_renders_page on league;
create constraint trigger league_insert_or_update_renders_page
    after insert or update of name on league deferrable initially deferred
    for each row execute function render_noted_league_pages();

-- A renamed tournament shows its new name on every page of a league following it.
create or replace function tournament_notes_pages() returns trigger
language plpgsql as $$
begin
    perform note_league_pages(array(select league_id from league_tournament where tournament_id = new.id));
    return null;
end;
$$;

create or replace trigger tournament_update_notes_pages
    after update of name on tournament
    for each row when (old.name is distinct from new.name) execute function tournament_notes_pages();
drop trigger if exists tournament_update_renders_pages on tournament;
create constraint trigger tournament_update_renders_pages
    after update of name on tournament deferrable initially deferred
    for each row when (old.name is distinct from new.name) execute function render_noted_league_pages();
