-- A mark holds the row (SPEC §4). Every mark updates its league_tournament rows whatever
-- their status, so each stays locked until the marking transaction commits and no scores
-- tick can claim it (FOR UPDATE SKIP LOCKED) and finish from data that lacks the change.
-- Rows are locked in id order so two marking transactions never deadlock each other.
-- `marked_outdata_at` keeps the time of the first mark since the row was last up to date.

create function mark_league_tournaments_outdata(ids bigint[]) returns integer
language plpgsql as $$
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
           sync_claimed_at = null, sync_run_id = null
     where id = any(ids);
    -- Rows that changed to outdata in this transaction: the matches tick reports the count.
    perform set_config('pipeline.marked_outdata',
        (coalesce(nullif(current_setting('pipeline.marked_outdata', true), ''), '0')::int + changed)::text, true);
    return changed;
end;
$$;

-- Participants: joining, leaving or moving marks every league tournament of each league involved.
create or replace function mark_participant_league_outdata() returns trigger
language plpgsql as $$
declare
    leagues bigint[];
begin
    if tg_op = 'INSERT' then
        select array_agg(league_id) into leagues from new_rows;
    elsif tg_op = 'DELETE' then
        select array_agg(league_id) into leagues from old_rows;
    else
        select array_agg(league_id) into leagues
          from (select league_id from old_rows union select league_id from new_rows) as both_sides;
    end if;
    perform mark_league_tournaments_outdata(array(
        select id from league_tournament where league_id = any(leagues)));
    return null;
end;
$$;

drop trigger league_participant_marks_outdata on league_participant;
create trigger league_participant_insert_marks_outdata
    after insert on league_participant referencing new table as new_rows
    for each statement execute function mark_participant_league_outdata();
create trigger league_participant_delete_marks_outdata
    after delete on league_participant referencing old table as old_rows
    for each statement execute function mark_participant_league_outdata();
create trigger league_participant_update_marks_outdata
    after update on league_participant referencing old table as old_rows new table as new_rows
    for each statement execute function mark_participant_league_outdata();

create or replace function mark_league_points_outdata() returns trigger
language plpgsql as $$
begin
    perform mark_league_tournaments_outdata(array(select id from league_tournament where league_id = new.id));
    return null;
end;
$$;

create or replace function mark_tournament_scoring_outdata() returns trigger
language plpgsql as $$
begin
    perform mark_league_tournaments_outdata(array(select id from league_tournament where tournament_id = new.id));
    return null;
end;
$$;

-- A match's scored outcome changed (it became ended, an ended match's scores changed, or it
-- left ended), whoever wrote it: the ticks or an operator's SQL (SPEC §6.5). A deleted ended
-- match takes its predictions with it.
create function match_outcome_marks_outdata() returns trigger
language plpgsql as $$
declare
    tournaments bigint[];
begin
    if tg_op = 'DELETE' then
        select array_agg(tournament_id) into tournaments from old_rows where status = 'ended';
    else
        select array_agg(t) into tournaments
          from old_rows o join new_rows n using (id), unnest(array[o.tournament_id, n.tournament_id]) as t
         where (o.status = 'ended' or n.status = 'ended')
           and (o.tournament_id, o.status, o.home_score, o.away_score, o.home_score_regular, o.away_score_regular)
               is distinct from
               (n.tournament_id, n.status, n.home_score, n.away_score, n.home_score_regular, n.away_score_regular);
    end if;
    perform mark_league_tournaments_outdata(array(
        select id from league_tournament where tournament_id = any(tournaments)));
    return null;
end;
$$;

create trigger match_update_marks_outdata
    after update on match referencing old table as old_rows new table as new_rows
    for each statement execute function match_outcome_marks_outdata();
create trigger match_delete_marks_outdata
    after delete on match referencing old table as old_rows
    for each statement execute function match_outcome_marks_outdata();

-- A prediction inserted, changed or deleted for an ended match changes its user's points in
-- every league tournament of that match's tournament the user takes part in.
create function prediction_marks_outdata() returns trigger
language plpgsql as $$
declare
    users bigint[];
    matches bigint[];
begin
    if tg_op = 'INSERT' then
        select array_agg(user_id), array_agg(match_id) into users, matches from new_rows;
    elsif tg_op = 'DELETE' then
        select array_agg(user_id), array_agg(match_id) into users, matches from old_rows;
    else
        select array_agg(user_id), array_agg(match_id) into users, matches
          from (select user_id, match_id from old_rows union select user_id, match_id from new_rows) as both_sides;
    end if;
    perform mark_league_tournaments_outdata(array(
        select distinct lt.id
          from unnest(users, matches) as p(user_id, match_id)
          join match m on m.id = p.match_id and m.status = 'ended'
          join league_tournament lt on lt.tournament_id = m.tournament_id
          join league_participant lp on lp.league_id = lt.league_id and lp.user_id = p.user_id));
    return null;
end;
$$;

create trigger prediction_insert_marks_outdata
    after insert on prediction referencing new table as new_rows
    for each statement execute function prediction_marks_outdata();
create trigger prediction_delete_marks_outdata
    after delete on prediction referencing old table as old_rows
    for each statement execute function prediction_marks_outdata();
create trigger prediction_update_marks_outdata
    after update on prediction referencing old table as old_rows new table as new_rows
    for each statement execute function prediction_marks_outdata();

-- The queue: a job whose round is no longer due is cancelled (finished, never run).
alter table queue_job drop constraint queue_job_state_check;
alter table queue_job add constraint queue_job_state_check
    check (state in ('created', 'retry', 'active', 'completed', 'failed', 'cancelled'));
drop index queue_job_finished_idx;
create index queue_job_finished_idx on queue_job (completed_at) where state in ('completed', 'failed', 'cancelled');

-- 002 gained `claim_id` after it had shipped: a database migrated in between lacks it.
alter table queue_job add column if not exists claim_id uuid;
