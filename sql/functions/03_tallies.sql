-- Every prediction scored once (SPEC §7.7). A prediction's tier depends on its match's result
-- and the tournament's scoring_result, never on the league, so it is tallied once per
-- (tournament, user) in prediction_tally and every league following the tournament shares the
-- tallies. Whatever changes the inputs keeps them right in the same transaction, as the marks
-- do (02_marks.sql); a recalculation then reads one tally row per participant.
--
-- Who waits for whom, so that every prediction counts exactly once. Both are transaction-level
-- advisory locks, held in memory (a prediction write dirties no match row, and the app's own
-- rows are never locked by them):
--   * the predictions lock of a match (lock space 720160119): a prediction write holds it
--     shared, a result write whose scored outcome changed takes it alone before it reads the
--     match's predictions: a prediction made as its match ends is seen by one side or the other;
--   * the tally lock of a tournament (lock space 720160118): deltas share it, a rebuild holds
--     it alone and computes in the statement after it, so it sees every delta-writer that
--     committed before it, and every later one adds its delta to the rebuilt value (an
--     adoption's back-fill included). A scoring_result change takes it before its marks
--     (tournament_update_holds_tallies), so its rebuild waits for nothing it holds.
-- Every writer takes its locks in one order — predictions locks, tally locks (each in id
-- order), league tournaments (the marks), tally rows, pages at commit — so none deadlocks another.
-- Repeatable file: `migrate` re-applies it whenever it changes.

-- The advisory lock key of an id (ids past 2^31 wrap; a shared key only makes writers wait).
create or replace function advisory_key(id bigint) returns integer
language sql immutable as $$
    select (id % 2147483647)::int
$$;

-- These keys' advisory locks in one lock space, in key order: shared, or exclusive.
create or replace function lock_keys(space integer, keys bigint[], exclusive boolean) returns void
language plpgsql as $$
declare
    key bigint;
begin
    for key in select distinct advisory_key(k) from unnest(keys) as k order by 1 loop
        if exclusive then
            perform pg_advisory_xact_lock(space, key::int);
        else
            perform pg_advisory_xact_lock_shared(space, key::int);
        end if;
    end loop;
end;
$$;

-- The tally lock of these tournaments: shared for deltas, exclusive for a rebuild.
create or replace function lock_tallies(tournaments bigint[], exclusive boolean) returns void
language sql as $$
    select lock_keys(720160118, tournaments, exclusive)
$$;

-- The predictions lock of these matches: shared to write predictions, exclusive to score them.
create or replace function lock_predictions(matches bigint[], exclusive boolean) returns void
language sql as $$
    select lock_keys(720160119, matches, exclusive)
$$;

-- Add signed tiers to the season's and the rounds' tallies, locking rows in key order (no
-- deadlock between writers). A delta of a round that is gone (its last match left it) is moot.
drop function if exists apply_tally_deltas(bigint[], bigint[], smallint[], integer[]);

create or replace function apply_tally_deltas(tournaments bigint[], rounds bigint[], users bigint[], tiers smallint[],
                                              signs integer[])
returns void language sql as $$
    with deltas as (
        select * from unnest(tournaments, rounds, users, tiers, signs) as d (tournament_id, round_id, user_id, tier, sign)
         where tier > 0
    ),
    season as (
        insert into prediction_tally as t (tournament_id, user_id, exact_count, goal_difference_count, outcome_count)
        select * from (select tournament_id, user_id,
                              coalesce(sum(sign) filter (where tier = 3), 0) as exact_count,
                              coalesce(sum(sign) filter (where tier = 2), 0) as goal_difference_count,
                              coalesce(sum(sign) filter (where tier = 1), 0) as outcome_count
                         from deltas group by tournament_id, user_id) as summed
         where (exact_count, goal_difference_count, outcome_count) <> (0, 0, 0)  -- a tier out and the same in
         order by tournament_id, user_id
        on conflict (tournament_id, user_id) do update
           set exact_count = t.exact_count + excluded.exact_count,
               goal_difference_count = t.goal_difference_count + excluded.goal_difference_count,
               outcome_count = t.outcome_count + excluded.outcome_count
        returning 1
    )
    insert into round_tally as t (round_id, user_id, exact_count, goal_difference_count, outcome_count)
    select * from (select round_id, user_id,
                          coalesce(sum(sign) filter (where tier = 3), 0) as exact_count,
                          coalesce(sum(sign) filter (where tier = 2), 0) as goal_difference_count,
                          coalesce(sum(sign) filter (where tier = 1), 0) as outcome_count
                     from deltas where round_id is not null group by round_id, user_id) as summed
     where (exact_count, goal_difference_count, outcome_count) <> (0, 0, 0)
     order by round_id, user_id
    on conflict (round_id, user_id) do update
       set exact_count = t.exact_count + excluded.exact_count,
           goal_difference_count = t.goal_difference_count + excluded.goal_difference_count,
           outcome_count = t.outcome_count + excluded.outcome_count
$$;

-- The tallies of one tournament's users in [first_user, last_user], the season's and each
-- round's, from scratch under its tally lock; returns how many tally rows changed.
create or replace function rebuild_tallies(target bigint, first_user bigint, last_user bigint) returns integer
language plpgsql as $$
declare
    changed integer;
begin
    perform lock_tallies(array[target], true);
    with tiers as (
        select p.user_id, r.id as round_id,
               scored_tier(t.scoring_result, p.home_score, p.away_score, m.home_score, m.away_score,
                           m.home_score_regular, m.away_score_regular) as tier
          from tournament t
          join match m on m.tournament_id = t.id and m.status = 'ended'
          left join tournament_round r on r.tournament_id = m.tournament_id
                                      and r.key = round_key(m.round_number, m.round_slug, m.round_prefix)
          join prediction p on p.match_id = m.id and p.user_id between first_user and last_user
         where t.id = target
    ),
    counted as (
        select grouping(round_id) = 1 as whole_season, round_id, user_id,
               count(*) filter (where tier = 3)::int as exact_count,
               count(*) filter (where tier = 2)::int as goal_difference_count,
               count(*) filter (where tier = 1)::int as outcome_count
          from tiers
         group by grouping sets ((user_id), (round_id, user_id))
    ),
    season as (
        select coalesce(f.user_id, s.user_id) as user_id,
               coalesce(f.exact_count, 0) as exact_count, coalesce(f.goal_difference_count, 0) as goal_difference_count,
               coalesce(f.outcome_count, 0) as outcome_count
          from (select * from counted where whole_season) f
          full join (select * from prediction_tally
                      where tournament_id = target and user_id between first_user and last_user) s using (user_id)
         where (f.exact_count, f.goal_difference_count, f.outcome_count)
               is distinct from (s.exact_count, s.goal_difference_count, s.outcome_count)
    ),
    rounds as (
        select coalesce(f.round_id, s.round_id) as round_id, coalesce(f.user_id, s.user_id) as user_id,
               coalesce(f.exact_count, 0) as exact_count, coalesce(f.goal_difference_count, 0) as goal_difference_count,
               coalesce(f.outcome_count, 0) as outcome_count
          from (select * from counted where not whole_season and round_id is not null) f
          full join (select rt.* from round_tally rt join tournament_round r on r.id = rt.round_id
                      where r.tournament_id = target and rt.user_id between first_user and last_user) s
               using (round_id, user_id)
         where (f.exact_count, f.goal_difference_count, f.outcome_count)
               is distinct from (s.exact_count, s.goal_difference_count, s.outcome_count)
    ),
    season_written as (
        insert into prediction_tally as t (tournament_id, user_id, exact_count, goal_difference_count, outcome_count)
        select target, user_id, exact_count, goal_difference_count, outcome_count from season order by user_id
        on conflict (tournament_id, user_id) do update
           set exact_count = excluded.exact_count, goal_difference_count = excluded.goal_difference_count,
               outcome_count = excluded.outcome_count
        returning 1
    ),
    rounds_written as (
        insert into round_tally as t (round_id, user_id, exact_count, goal_difference_count, outcome_count)
        select round_id, user_id, exact_count, goal_difference_count, outcome_count from rounds order by round_id, user_id
        on conflict (round_id, user_id) do update
           set exact_count = excluded.exact_count, goal_difference_count = excluded.goal_difference_count,
               outcome_count = excluded.outcome_count
        returning 1
    )
    select (select count(*) from season_written) + (select count(*) from rounds_written) into changed;
    return changed;
end;
$$;

-- The users who may have tallies, in ranges of `size` by id (sparse ids make no empty range):
-- what a long rebuild walks, a range a transaction, so no lock is held for long.
create or replace function tally_batches(size integer) returns table (first_user bigint, last_user bigint)
language sql stable as $$
    select coalesce(lag(last) over (order by batch) + 1, 0),  -- contiguous: no id falls between two ranges
           case when batch = max(batch) over () then 9223372036854775807 else last end
      from (select batch, max(id) as last
              from (select id, (row_number() over (order by id) - 1) / size as batch from app_user) as numbered
             group by batch) as batches
     order by batch
$$;

-- A whole tournament's tallies from scratch (a scoring_result change, a deleted match, an
-- operator's repair).
create or replace function rebuild_tournament_tallies(target bigint) returns integer
language sql as $$
    select rebuild_tallies(target, 0, 9223372036854775807)
$$;

-- A match's scored outcome changed (SPEC §6.5), whoever wrote it: every league tournament of
-- its tournament is marked, and its predictions move from their old tier to the new. A deleted
-- ended match takes its predictions with it (gone before a statement trigger could read them):
-- its tournament's tallies are rebuilt.
create or replace function match_rescores() returns trigger
language plpgsql as $$
declare
    scored bigint[];
    touched bigint[];
    rounds_from timestamptz;
    tournaments bigint[];
    rounds bigint[];
    users bigint[];
    tiers smallint[];
    signs integer[];
    reordered record := take_reordered();  -- rounds that moved in the order (06_rounds.sql)
begin
    if tg_op = 'DELETE' then
        touched := array(select distinct tournament_id from old_rows where status = 'ended' order by 1);
        perform lock_tallies(touched, true);
        perform mark_tournaments_outdata(touched || reordered.tournaments,
                                         case when cardinality(touched) > 0 then all_rounds() else reordered.rounds_from end);
        perform rebuild_tournament_tallies(t) from unnest(touched) as t;
        return null;
    end if;
    -- The rounds the changed matches were and are in (refreshed by match_keeps_rounds() first; a
    -- round that is gone marks from its old place itself): their standings are recalculated from
    -- the earliest of them on.
    select array_agg(distinct o.id), array_agg(distinct t), min(least(old_r.first_kickoff, new_r.first_kickoff))
      into scored, touched, rounds_from
      from old_rows o join new_rows n using (id)
      left join tournament_round old_r on old_r.tournament_id = o.tournament_id
                                      and old_r.key = round_key(o.round_number, o.round_slug, o.round_prefix)
      left join tournament_round new_r on new_r.tournament_id = n.tournament_id
                                      and new_r.key = round_key(n.round_number, n.round_slug, n.round_prefix),
           unnest(array[o.tournament_id, n.tournament_id]) as t
     where match_scoring_changed(o, n);
    if scored is null then
        perform mark_tournaments_outdata(reordered.tournaments, reordered.rounds_from);
        return null;
    end if;
    perform lock_predictions(scored, true);
    perform lock_tallies(touched, false);
    perform mark_tournaments_outdata(touched || reordered.tournaments,
                                     least(coalesce(rounds_from, all_rounds()), reordered.rounds_from));
    -- Each prediction of a changed match read once, its tier and round before and after: only a
    -- tier that moved is a delta (a correction leaves most predictions where they were).
    with moved as (
        select p.user_id, (o).tournament_id as old_tournament, (n).tournament_id as new_tournament,
               old_r.id as old_round, new_r.id as new_round,
               case when (o).status = 'ended' then
                   scored_tier(old_t.scoring_result, p.home_score, p.away_score, (o).home_score, (o).away_score,
                               (o).home_score_regular, (o).away_score_regular) end as old_tier,
               case when (n).status = 'ended' then
                   scored_tier(new_t.scoring_result, p.home_score, p.away_score, (n).home_score, (n).away_score,
                               (n).home_score_regular, (n).away_score_regular) end as new_tier
          from old_rows o join new_rows n using (id)
          join tournament old_t on old_t.id = (o).tournament_id
          join tournament new_t on new_t.id = (n).tournament_id
          left join tournament_round old_r on old_r.tournament_id = (o).tournament_id
                                          and old_r.key = round_key((o).round_number, (o).round_slug, (o).round_prefix)
          left join tournament_round new_r on new_r.tournament_id = (n).tournament_id
                                          and new_r.key = round_key((n).round_number, (n).round_slug, (n).round_prefix)
          join prediction p on p.match_id = (n).id
         where match_scoring_changed(o, n)
    ),
    deltas as (
        select old_tournament as tournament_id, old_round as round_id, user_id, old_tier as tier, -1 as sign
          from moved
         where old_tier > 0 and (old_tournament, old_round, old_tier) is distinct from (new_tournament, new_round, new_tier)
        union all
        select new_tournament, new_round, user_id, new_tier, 1 from moved
         where new_tier > 0 and (old_tournament, old_round, old_tier) is distinct from (new_tournament, new_round, new_tier)
    )
    select array_agg(tournament_id), array_agg(round_id), array_agg(user_id), array_agg(tier), array_agg(sign)
      into tournaments, rounds, users, tiers, signs
      from deltas;
    if tournaments is not null then
        perform apply_tally_deltas(tournaments, rounds, users, tiers, signs);
    end if;
    return null;
end;
$$;

call create_statement_triggers('match', 'rescores', array['update', 'delete']);

-- A prediction inserted, changed or deleted for an ended match changes its user's tally, and
-- their points in every league tournament of that tournament they take part in (SPEC §4). One
-- trigger does all of it, in the lock order above.
create or replace function prediction_rescores() returns trigger
language plpgsql as $$
declare
    matches bigint[];
    one_match boolean;
    ended_tournaments bigint[];
    users bigint[];
    homes integer[];
    aways integer[];
    signs integer[];
    d_tournaments bigint[];
    d_rounds bigint[];
    d_users bigint[];
    d_tiers smallint[];
    d_signs integer[];
    rounds_from timestamptz;
begin
    -- Most writes are one prediction before kick-off: this path reads only the matches, with
    -- the fewest plan nodes; every node costs each write a few microseconds (docs/benchmarks.md).
    if tg_op = 'INSERT' then
        matches := array(select match_id from new_rows);
    elsif tg_op = 'DELETE' then
        matches := array(select match_id from old_rows);
    else
        matches := array(select match_id from old_rows union all select match_id from new_rows);
    end if;
    one_match := matches[1] = all(matches);
    -- lock_predictions(matches, false) written out (a nested plpgsql call costs about 20 us),
    -- and for one match without its sort.
    if one_match then
        perform pg_advisory_xact_lock_shared(720160119, advisory_key(matches[1]));
    else
        perform pg_advisory_xact_lock_shared(720160119, key)
           from (select distinct advisory_key(m) as key from unnest(matches) as m order by 1) as keys;
    end if;
    if current_setting('transaction_isolation') <> 'read committed' then
        -- A snapshot taken before the lock cannot see what it waited for: hold the rows too, so a
        -- match or tournament changed since fails this write with a serialization error (the app
        -- retries), never counts it wrongly.
        perform from match where id = any(matches) order by id for share;
        perform from tournament where id in (select tournament_id from match where id = any(matches)) order by id
            for share;
    end if;
    -- For one match a scalar statement, planned once; `id = any(matches)` would be planned again
    -- on every call, and with a LIMIT its generic plan scans the whole match table.
    if one_match then
        ended_tournaments := array(select tournament_id from match where id = matches[1] and status = 'ended');
    else
        ended_tournaments := array(select distinct tournament_id from match
                                    where id = any(matches) and status = 'ended');
    end if;
    if cardinality(ended_tournaments) = 0 then
        return null;  -- most writes: predictions before kick-off
    end if;
    if tg_op = 'INSERT' then
        select array_agg(user_id), array_agg(match_id), array_agg(home_score), array_agg(away_score), array_agg(1)
          into users, matches, homes, aways, signs from new_rows;
    elsif tg_op = 'DELETE' then
        select array_agg(user_id), array_agg(match_id), array_agg(home_score), array_agg(away_score), array_agg(-1)
          into users, matches, homes, aways, signs from old_rows;
    else
        select array_agg(user_id), array_agg(match_id), array_agg(home_score), array_agg(away_score), array_agg(sign)
          into users, matches, homes, aways, signs
          from (select user_id, match_id, home_score, away_score, -1 as sign from old_rows
                union all
                select user_id, match_id, home_score, away_score, 1 from new_rows) as both_sides;
    end if;
    perform lock_tallies(ended_tournaments, false);
    select array_agg(m.tournament_id), array_agg(r.id), array_agg(p.user_id),
           array_agg(scored_tier(t.scoring_result, p.home_score, p.away_score, m.home_score, m.away_score,
                                 m.home_score_regular, m.away_score_regular)),
           array_agg(p.sign), min(r.first_kickoff)
      into d_tournaments, d_rounds, d_users, d_tiers, d_signs, rounds_from
      from unnest(users, matches, homes, aways, signs) as p (user_id, match_id, home_score, away_score, sign)
      join match m on m.id = p.match_id and m.status = 'ended'
      join tournament t on t.id = m.tournament_id
      left join tournament_round r on r.tournament_id = m.tournament_id
                                  and r.key = round_key(m.round_number, m.round_slug, m.round_prefix);
    if d_tournaments is not null then
        perform mark_league_tournaments_outdata(array(
            select distinct lt.id
              from unnest(d_tournaments, d_users) as d (tournament_id, user_id)
              join league_tournament lt on lt.tournament_id = d.tournament_id
              join league_participant lp on lp.league_id = lt.league_id and lp.user_id = d.user_id),
            coalesce(rounds_from, all_rounds()));
        perform apply_tally_deltas(d_tournaments, d_rounds, d_users, d_tiers, d_signs);
    end if;
    return null;
end;
$$;

call create_statement_triggers('prediction', 'rescores', array['insert', 'update', 'delete']);

-- The tier of every ended match's predictions follows the tournament's scoring_result: a change
-- takes the tournament's tally lock before its marks (BEFORE), in the lock order above, and
-- rebuilds the tallies after them (AFTER).
create or replace function tournament_rescores() returns trigger
language plpgsql as $$
begin
    if tg_when = 'BEFORE' then
        perform lock_tallies(array[new.id], true);
        return new;
    end if;
    perform rebuild_tournament_tallies(new.id);
    return null;
end;
$$;

create or replace trigger tournament_update_holds_tallies
    before update of scoring_result on tournament
    for each row
    when (old.scoring_result is distinct from new.scoring_result)
    execute function tournament_rescores();
create or replace trigger tournament_update_tallies
    after update of scoring_result on tournament
    for each row
    when (old.scoring_result is distinct from new.scoring_result)
    execute function tournament_rescores();
