-- Rounds (matchdays, SPEC §7.8): tournament_round kept from the matches by their triggers, the
-- order of a tournament's rounds, and the JSON bodies of the rounds and participant-predictions
-- endpoints (SPEC §5). The round tallies are kept with the season's (03_tallies.sql); the
-- standings after each round are written by the scores tick (repositories/scores.py).
-- Repeatable file: `migrate` re-applies it whenever it changes.

-- SPEC §7.8: a tournament's rounds in order — by earliest kick-off, then number, slug, prefix;
-- never by number alone — with the current round's place: the last holding an ended match.
create or replace function ordered_rounds(tournament_ids bigint[])
returns table (round_id bigint, tournament_id bigint, key text, first_kickoff timestamptz, ordinal integer,
               current_ordinal integer)
language sql stable as $$
    select id, tournament_id, key, first_kickoff, ordinal,
           max(ordinal) filter (where matches_ended > 0) over (partition by tournament_id)
      from (select r.*, row_number() over (partition by r.tournament_id
                                           order by r.first_kickoff, r.round_number, r.round_slug, r.round_prefix)::int
                            as ordinal
              from tournament_round r
             where r.tournament_id = any(tournament_ids)) as numbered
$$;

-- These rounds (tournament_ids[i], keys[i]) from their matches, under each tournament's rounds
-- lock (lock space 720160120, alone: the statement after it sees every match write that held it
-- before). A round that appeared, went or got another first kick-off may move others in the
-- order, and one that gained its first ended match or lost its last may move the current
-- round: if it lies at or before the current round (or has ended matches), the standings after
-- rounds from there on must be recalculated — returned, for the caller to mark in its place in
-- the lock order.
drop function if exists refresh_rounds(bigint[], text[]);

create or replace function refresh_rounds(tournament_ids bigint[], keys text[], out reordered bigint[],
                                          out reordered_from timestamptz)
language plpgsql as $$
begin
    perform lock_keys(720160120, tournament_ids, true);
    with wanted as (
        select distinct t as tournament_id, k as key from unnest(tournament_ids, keys) as w (t, k)
    ),
    fresh as (
        select m.tournament_id, round_key(m.round_number, m.round_slug, m.round_prefix) as key,
               min(m.round_number) as round_number, min(m.round_slug) as round_slug,
               min(m.round_prefix) as round_prefix, min(m.start_time) as first_kickoff, count(*)::int as matches,
               count(*) filter (where m.status = 'ended')::int as matches_ended
          from match m
          join wanted w on w.tournament_id = m.tournament_id
                       and w.key = round_key(m.round_number, m.round_slug, m.round_prefix)
         group by 1, 2
    ),
    stored as (
        select r.id, r.tournament_id, r.key, r.first_kickoff, r.matches_ended
          from tournament_round r join wanted w using (tournament_id, key)
    ),
    upserted as (
        insert into tournament_round as r
               (tournament_id, key, round_number, round_slug, round_prefix, first_kickoff, matches, matches_ended)
        select * from fresh order by tournament_id, key
        on conflict (tournament_id, key) do update
           set first_kickoff = excluded.first_kickoff, matches = excluded.matches,
               matches_ended = excluded.matches_ended
         where (r.first_kickoff, r.matches, r.matches_ended)
               is distinct from (excluded.first_kickoff, excluded.matches, excluded.matches_ended)
        returning 1
    ),
    removed as (
        delete from tournament_round r
         using stored s
         where r.id = s.id and not exists (select 1 from fresh f where f.tournament_id = s.tournament_id and f.key = s.key)
        returning 1
    ),
    moved as (
        select coalesce(s.tournament_id, f.tournament_id) as tournament_id,
               least(s.first_kickoff, f.first_kickoff) as from_kickoff,
               coalesce(s.matches_ended, 0) + coalesce(f.matches_ended, 0) > 0 as scored
          from stored s full join fresh f using (tournament_id, key)
         where s.first_kickoff is distinct from f.first_kickoff
            or (coalesce(s.matches_ended, 0) > 0) <> (coalesce(f.matches_ended, 0) > 0)  -- the current round may move
    )
    select array_agg(distinct tournament_id), min(from_kickoff)
      into reordered, reordered_from
      from moved
     where scored
        or from_kickoff <= (select max(r.first_kickoff) from tournament_round r
                             where r.tournament_id = moved.tournament_id and r.matches_ended > 0);
end;
$$;

-- Every round of one tournament from its matches (the adoption's and an upgrade's back-fill).
create or replace function refresh_tournament_rounds(target bigint) returns void
language sql as $$
    with keys as (
        select round_key(round_number, round_slug, round_prefix) as key from match where tournament_id = target
        union
        select key from tournament_round where tournament_id = target
    )
    select mark_tournaments_outdata(r.reordered, r.reordered_from)
      from refresh_rounds(array_fill(target, array[(select count(*) from keys)::int]), array(select key from keys)) as r
     where r.reordered is not null
$$;

-- A match inserted, deleted or changed in what makes its round (tournament, round fields, kick-off,
-- status): the rounds it was and is in, refreshed. A new match has no predictions: a reorder is
-- marked here. After an update or a delete, match_rescores() (the next trigger) marks it with
-- its own marks, after the predictions locks it takes (the lock order of 03_tallies.sql): it is
-- handed over in the transaction-local setting pipeline.reordered ("ids@from").
create or replace function match_keeps_rounds() returns trigger
language plpgsql as $$
declare
    tournaments bigint[];
    keys text[];
    moved record;
begin
    if tg_op = 'INSERT' then
        select array_agg(tournament_id), array_agg(key) into tournaments, keys
          from (select distinct tournament_id, round_key(round_number, round_slug, round_prefix) as key
                  from new_rows) as touched;
    elsif tg_op = 'DELETE' then
        select array_agg(tournament_id), array_agg(key) into tournaments, keys
          from (select distinct tournament_id, round_key(round_number, round_slug, round_prefix) as key
                  from old_rows) as touched;
    else
        select array_agg(tournament_id), array_agg(key) into tournaments, keys
          from (select distinct side.tournament_id, side.key
                  from old_rows o join new_rows n using (id)
                 cross join lateral (values (o.tournament_id, round_key(o.round_number, o.round_slug, o.round_prefix)),
                                            (n.tournament_id, round_key(n.round_number, n.round_slug, n.round_prefix)))
                       as side (tournament_id, key)
                 where (o.tournament_id, o.round_number, o.round_slug, o.round_prefix, o.start_time, o.status)
                       is distinct from
                       (n.tournament_id, n.round_number, n.round_slug, n.round_prefix, n.start_time, n.status))
               as touched;
    end if;
    if tournaments is null then
        return null;
    end if;
    moved := refresh_rounds(tournaments, keys);
    if moved.reordered is null then
        return null;
    elsif tg_op = 'INSERT' then
        perform mark_tournaments_outdata(moved.reordered, moved.reordered_from);
    else
        perform set_config('pipeline.reordered',
                           array_to_string(moved.reordered, ',') || '@' || moved.reordered_from::text, true);
    end if;
    return null;
end;
$$;

-- The reorder match_keeps_rounds() handed over in this statement, taken (and cleared): the
-- tournaments to mark and the earliest kick-off from which on; nulls when none.
create or replace function take_reordered(out tournaments bigint[], out rounds_from timestamptz)
language plpgsql as $$
declare
    noted text := nullif(current_setting('pipeline.reordered', true), '');
begin
    if noted is not null then
        tournaments := string_to_array(split_part(noted, '@', 1), ',')::bigint[];
        rounds_from := split_part(noted, '@', 2)::timestamptz;
        perform set_config('pipeline.reordered', '', true);
    end if;
end;
$$;

call create_statement_triggers('match', 'keeps_rounds', array['insert', 'update', 'delete']);

-- Whether the tournament has a round of this key (tells an unknown round from the rest of a 404).
create or replace function round_exists(p_tournament_id bigint, p_round text) returns boolean
language sql stable as $$
    select exists (select 1 from tournament_round where tournament_id = p_tournament_id and key = p_round)
$$;

-- GET /api/leagues/<id>/rounds (RoundsSchema): a followed tournament's rounds in order, each
-- with its matches and this league's winners; null when the league does not follow it. Times
-- in UTC whatever the session's TimeZone. A plpgsql body: its statement is planned once per
-- session (a SQL function's would be planned on every call, which costs about as much as running it).
create or replace function rounds_body(p_league_id bigint, p_tournament_id bigint) returns text
language plpgsql stable set timezone = 'UTC' set plan_cache_mode = force_generic_plan as $$
begin
    return (select json_build_object(
               'league_id', lt.league_id, 'tournament_id', lt.tournament_id,
               'participants_scores_status', lt.participants_scores_status,
               'current_round', (select o.key from ordered_rounds(array[lt.tournament_id]) as o
                                  where o.ordinal = o.current_ordinal),
               'rounds', coalesce((
                   select json_agg(json_build_object(
                              'key', r.key, 'round_number', r.round_number, 'round_slug', r.round_slug,
                              'round_prefix', r.round_prefix, 'first_kickoff', r.first_kickoff, 'matches', r.matches,
                              'matches_ended', r.matches_ended, 'top_points', coalesce(lr.top_points, 0),
                              'winners', coalesce((
                                  select json_agg(json_build_object('user_id', u.id, 'name', u.name,
                                                                    'points', lr.top_points) order by w.place)
                                    from unnest(lr.winners) with ordinality as w (user_id, place)
                                    join app_user u on u.id = w.user_id), '[]'::json))
                              order by o.ordinal)
                     from ordered_rounds(array[lt.tournament_id]) as o
                     join tournament_round r on r.id = o.round_id
                     left join league_round lr on lr.league_tournament_id = lt.id and lr.round_id = o.round_id),
                   '[]'::json))::text
      from league_tournament lt
     where lt.league_id = p_league_id and lt.tournament_id = p_tournament_id);
end;
$$;

-- GET /api/leagues/<id>/participants/<user_id>/predictions (PredictionsSchema): why a participant
-- has their points — each prediction of theirs in the tournament (or one round of it), in
-- kick-off order, with the scored result, tier and points under this league's values. A match
-- that has not kicked off at p_now is left out: other players must not see its predictions.
-- Null when the league does not follow the tournament, the user takes no part, or no such round.
create or replace function participant_predictions_body(p_league_id bigint, p_user_id bigint, p_tournament_id bigint,
                                                        p_round text, p_now timestamptz) returns text
language plpgsql stable set timezone = 'UTC' set plan_cache_mode = force_generic_plan as $$
begin
    return (with entries as (
        select m.id as match_id, round_key(m.round_number, m.round_slug, m.round_prefix) as round,
               m.home_team, m.away_team, m.start_time, m.status, p.home_score, p.away_score,
               scored_goals(t.scoring_result, m.home_score, m.home_score_regular) as result_home,
               scored_goals(t.scoring_result, m.away_score, m.away_score_regular) as result_away,
               case when m.status = 'ended' then
                   scored_tier(t.scoring_result, p.home_score, p.away_score, m.home_score, m.away_score,
                               m.home_score_regular, m.away_score_regular) end as tier
          from prediction p
          join match m on m.id = p.match_id
          join tournament t on t.id = m.tournament_id
         where p.user_id = p_user_id and m.tournament_id = p_tournament_id and m.start_time <= p_now
           and (p_round is null or round_key(m.round_number, m.round_slug, m.round_prefix) = p_round)
    ),
    scored as (
        select e.*, case e.tier when 3 then l.points_exact when 2 then l.points_goal_difference
                                when 1 then l.points_outcome else 0 end as points
          from entries e, league l
         where l.id = p_league_id
    )
    select json_build_object(
               'league_id', lp.league_id, 'user_id', u.id, 'name', u.name, 'tournament_id', lt.tournament_id,
               'points', coalesce((select sum(points) from scored), 0),
               'predictions', coalesce((
                   select json_agg(json_build_object(
                              'match_id', s.match_id, 'round', s.round, 'home_team', s.home_team,
                              'away_team', s.away_team, 'start_time', s.start_time, 'status', s.status,
                              'result', case when s.status = 'ended' and s.result_home is not null
                                                  and s.result_away is not null
                                             then json_build_object('home', s.result_home, 'away', s.result_away) end,
                              'prediction', json_build_object('home', s.home_score, 'away', s.away_score),
                              'tier', case s.tier when 3 then 'exact' when 2 then 'goal_difference'
                                                  when 1 then 'outcome' when 0 then 'none' end,
                              'points', s.points)
                              order by s.start_time, s.match_id)
                     from scored s), '[]'::json))::text
      from league_tournament lt
      join league_participant lp on lp.league_id = lt.league_id and lp.user_id = p_user_id
      join app_user u on u.id = lp.user_id
     where lt.league_id = p_league_id and lt.tournament_id = p_tournament_id
       and (p_round is null or round_exists(p_tournament_id, p_round)));
end;
$$;
