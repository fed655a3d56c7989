-- Whatever changes what a standings table would show marks it outdata, in the same
-- transaction, whoever makes the change — the ticks, the app, an import, an operator's SQL
-- (SPEC §4). Every mark ends in mark_league_tournaments_outdata().
-- Repeatable file: `migrate` re-applies it whenever it changes.

-- A mark holds the row: it updates its rows whatever their status, so each stays locked until
-- the marking transaction commits and no scores tick can claim it (FOR UPDATE SKIP LOCKED) and
-- finish from data that lacks the change. Rows are locked in id order, so two marking
-- transactions never deadlock each other. `marked_outdata_at` keeps the first mark since the
-- row was last up to date (the scores tick serves the longest-waiting first). Returns how many
-- rows changed to outdata, and adds them to `pipeline.marked_outdata` (the matches tick
-- reports the count of its transaction). `rounds_from`: the earliest kick-off of the rounds the
-- change touched (its standings after rounds from there on are recalculated); by default all.
drop function if exists mark_league_tournaments_outdata(bigint[]);
drop function if exists mark_tournaments_outdata(bigint[]);

create or replace function mark_league_tournaments_outdata(ids bigint[], rounds_from timestamptz default all_rounds())
returns integer language plpgsql as $$
declare
    changed integer;
begin
    if ids is null or cardinality(ids) = 0 then
        return 0;
    end if;
    select count(*) filter (where participants_scores_status <> 'outdata') into changed
      from (select participants_scores_status from league_tournament
             where id = any(ids) order by id for update) as locked;
    update league_tournament
       set participants_scores_status = 'outdata',
           marked_outdata_at = case when participants_scores_status = 'up-to-date' or marked_outdata_at is null
                                    then now() else marked_outdata_at end,
           sync_claimed_at = null,
           rounds_dirty_from = least(rounds_dirty_from, rounds_from)
     where id = any(ids);
    perform set_config('pipeline.marked_outdata',
        (coalesce(nullif(current_setting('pipeline.marked_outdata', true), ''), '0')::int + changed)::text, true);
    return changed;
end;
$$;

-- Every league tournament of these leagues.
create or replace function mark_leagues_outdata(league_ids bigint[]) returns integer
language sql as $$
    select mark_league_tournaments_outdata(array(select id from league_tournament where league_id = any(league_ids)))
$$;

-- Every league tournament following these tournaments.
create or replace function mark_tournaments_outdata(tournament_ids bigint[], rounds_from timestamptz default all_rounds())
returns integer language sql as $$
    select mark_league_tournaments_outdata(array(
        select id from league_tournament where tournament_id = any(tournament_ids)), rounds_from)
$$;

-- A new league tournament starts outdata: nothing is calculated yet.
create or replace function league_tournament_starts_outdata() returns trigger
language plpgsql as $$
begin
    new.participants_scores_status := 'outdata';
    new.marked_outdata_at := coalesce(new.marked_outdata_at, now());
    return new;
end;
$$;

create or replace trigger league_tournament_insert_starts_outdata
    before insert on league_tournament
    for each row execute function league_tournament_starts_outdata();

-- A league that stops following a tournament: its other standings (and its whole-league
-- standings) must be recalculated.
create or replace function league_tournament_marks_outdata() returns trigger
language plpgsql as $$
begin
    perform mark_leagues_outdata(array(select league_id from old_rows));
    return null;
end;
$$;

call create_statement_triggers('league_tournament', 'marks_outdata', array['delete']);

-- Participants joining, leaving or moving: every league tournament of each league involved.
create or replace function league_participant_marks_outdata() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform mark_leagues_outdata(array(select league_id from new_rows));
    elsif tg_op = 'DELETE' then
        perform mark_leagues_outdata(array(select league_id from old_rows));
    else
        perform mark_leagues_outdata(array(select league_id from old_rows union select league_id from new_rows));
    end if;
    return null;
end;
$$;

call create_statement_triggers('league_participant', 'marks_outdata', array['insert', 'update', 'delete']);

-- An edit of one row that changes what standings show: a league's point values, a
-- tournament's scoring_result, a participant's name (it decides the order within a rank).
create or replace function row_marks_outdata() returns trigger
language plpgsql as $$
begin
    case tg_table_name
        when 'league' then
            perform mark_leagues_outdata(array[new.id]);
        when 'tournament' then
            perform mark_tournaments_outdata(array[new.id]);
        when 'app_user' then
            perform mark_league_tournaments_outdata(array(
                select lt.id from league_participant lp join league_tournament lt on lt.league_id = lp.league_id
                 where lp.user_id = new.id));
    end case;
    return null;
end;
$$;

create or replace trigger league_update_marks_outdata
    after update of points_exact, points_goal_difference, points_outcome on league
    for each row
    when ((old.points_exact, old.points_goal_difference, old.points_outcome)
          is distinct from (new.points_exact, new.points_goal_difference, new.points_outcome))
    execute function row_marks_outdata();
create or replace trigger tournament_update_marks_outdata
    after update of scoring_result on tournament
    for each row when (old.scoring_result is distinct from new.scoring_result) execute function row_marks_outdata();
create or replace trigger app_user_update_marks_outdata
    after update of name on app_user
    for each row when (old.name is distinct from new.name) execute function row_marks_outdata();

-- Results and predictions written for ended matches are marked by match_rescores() and
-- prediction_rescores() (03_tallies.sql): one trigger function per write marks and re-tallies.
