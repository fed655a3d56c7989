-- Every prediction scored once (SPEC §7.7). A prediction's tier (exact, goal difference,
-- outcome) depends on its match's result and the tournament's scoring_result, never on the
-- league, so it is tallied once per (tournament, user) when the result is written, and every
-- league following the tournament shares the tallies. Whatever changes the inputs — the
-- ticks, the app, an operator's SQL — keeps them right, in the same transaction (triggers),
-- as for the marks (sql/003). A recalculation then reads one tally row per participant.

create table prediction_tally (
    tournament_id         bigint not null references tournament (id) on delete cascade,
    user_id               bigint not null references app_user (id) on delete cascade,
    exact_count           integer not null default 0,
    goal_difference_count integer not null default 0,
    outcome_count         integer not null default 0,
    primary key (tournament_id, user_id)
);

-- The predictions of one match: what a result's delta reads.
create index prediction_match_idx on prediction (match_id);

-- SPEC §7.3: 3 exact, 2 goal difference (not for a draw), 1 outcome, 0 nothing or no result.
create function prediction_tier(p_home integer, p_away integer, r_home integer, r_away integer)
returns smallint language sql immutable parallel safe as $$
    select (case
        when r_home is null or r_away is null then 0
        when p_home = r_home and p_away = r_away then 3
        when r_home <> r_away and p_home - p_away = r_home - r_away then 2
        when sign(p_home - p_away) = sign(r_home - r_away) then 1
        else 0
    end)::smallint
$$;

-- Add signed tiers to the tallies, locking rows in key order (no deadlock between writers).
create function apply_tally_deltas(tournaments bigint[], users bigint[], tiers smallint[], signs integer[])
returns void language sql as $$
    insert into prediction_tally as t (tournament_id, user_id, exact_count, goal_difference_count, outcome_count)
    select tournament_id, user_id,
           coalesce(sum(sign) filter (where tier = 3), 0),
           coalesce(sum(sign) filter (where tier = 2), 0),
           coalesce(sum(sign) filter (where tier = 1), 0)
      from unnest(tournaments, users, tiers, signs) as d (tournament_id, user_id, tier, sign)
     where tier > 0
     group by tournament_id, user_id
     order by tournament_id, user_id
    on conflict (tournament_id, user_id) do update
       set exact_count = t.exact_count + excluded.exact_count,
           goal_difference_count = t.goal_difference_count + excluded.goal_difference_count,
           outcome_count = t.outcome_count + excluded.outcome_count
$$;

-- A tournament's tallies from scratch (a scoring_result change, a deleted match, an operator's
-- repair); returns how many users' tallies changed.
create function rebuild_tournament_tallies(target bigint) returns integer
language plpgsql as $$
declare
    changed integer;
begin
    with fresh as (
        select tiers.user_id,
               count(*) filter (where tier = 3)::int as exact_count,
               count(*) filter (where tier = 2)::int as goal_difference_count,
               count(*) filter (where tier = 1)::int as outcome_count
          from (select p.user_id,
                       prediction_tier(p.home_score, p.away_score,
                                       case when t.scoring_result = 'after_extra_time' then m.home_score else m.home_score_regular end,
                                       case when t.scoring_result = 'after_extra_time' then m.away_score else m.away_score_regular end) as tier
                  from tournament t
                  join match m on m.tournament_id = t.id and m.status = 'ended'
                  join prediction p on p.match_id = m.id
                 where t.id = target) as tiers
         group by tiers.user_id
    ),
    wanted as (
        select coalesce(f.user_id, s.user_id) as user_id,
               coalesce(f.exact_count, 0) as exact_count, coalesce(f.goal_difference_count, 0) as goal_difference_count,
               coalesce(f.outcome_count, 0) as outcome_count
          from fresh f
          full join (select * from prediction_tally where tournament_id = target) s using (user_id)
         where (f.exact_count, f.goal_difference_count, f.outcome_count)
               is distinct from (s.exact_count, s.goal_difference_count, s.outcome_count)
    ),
    written as (
        insert into prediction_tally as t (tournament_id, user_id, exact_count, goal_difference_count, outcome_count)
        select target, user_id, exact_count, goal_difference_count, outcome_count from wanted order by user_id
        on conflict (tournament_id, user_id) do update
           set exact_count = excluded.exact_count, goal_difference_count = excluded.goal_difference_count,
               outcome_count = excluded.outcome_count
        returning 1
    )
    select count(*) into changed from written;
    return changed;
end;
$$;

-- A match's scored result changed: its predictions' old tiers out, new tiers in.
create function match_result_tallies() returns trigger
language plpgsql as $$
declare
    tournaments bigint[];
    users bigint[];
    tiers smallint[];
    signs integer[];
begin
    with changed as (
        select o.id, o.tournament_id as old_tournament, n.tournament_id as new_tournament,
               o.status = 'ended' as was_ended, n.status = 'ended' as is_ended,
               o.home_score as old_home, o.away_score as old_away,
               o.home_score_regular as old_home_regular, o.away_score_regular as old_away_regular,
               n.home_score as new_home, n.away_score as new_away,
               n.home_score_regular as new_home_regular, n.away_score_regular as new_away_regular
          from old_rows o join new_rows n using (id)
         where (o.status = 'ended' or n.status = 'ended')
           and (o.tournament_id, o.status, o.home_score, o.away_score, o.home_score_regular, o.away_score_regular)
               is distinct from
               (n.tournament_id, n.status, n.home_score, n.away_score, n.home_score_regular, n.away_score_regular)
    ),
    deltas as (
        select c.old_tournament as tournament_id, p.user_id, -1 as sign,
               prediction_tier(p.home_score, p.away_score,
                               case when t.scoring_result = 'after_extra_time' then c.old_home else c.old_home_regular end,
                               case when t.scoring_result = 'after_extra_time' then c.old_away else c.old_away_regular end) as tier
          from changed c join tournament t on t.id = c.old_tournament join prediction p on p.match_id = c.id
         where c.was_ended
        union all
        select c.new_tournament, p.user_id, 1,
               prediction_tier(p.home_score, p.away_score,
                               case when t.scoring_result = 'after_extra_time' then c.new_home else c.new_home_regular end,
                               case when t.scoring_result = 'after_extra_time' then c.new_away else c.new_away_regular end)
          from changed c join tournament t on t.id = c.new_tournament join prediction p on p.match_id = c.id
         where c.is_ended
    )
    select array_agg(tournament_id), array_agg(user_id), array_agg(tier), array_agg(sign)
      into tournaments, users, tiers, signs
      from deltas;
    if tournaments is not null then
        perform apply_tally_deltas(tournaments, users, tiers, signs);
    end if;
    return null;
end;
$$;

create trigger match_update_tallies
    after update on match referencing old table as old_rows new table as new_rows
    for each statement execute function match_result_tallies();

-- A deleted match takes its predictions with it (they are gone before a statement trigger
-- could read them): rebuild the tournaments of deleted ended matches.
create function match_delete_tallies() returns trigger
language plpgsql as $$
begin
    perform rebuild_tournament_tallies(tournament_id)
       from (select distinct tournament_id from old_rows where status = 'ended') as deleted;
    return null;
end;
$$;

create trigger match_delete_tallies
    after delete on match referencing old table as old_rows
    for each statement execute function match_delete_tallies();

-- A prediction inserted, changed or deleted for an ended match adjusts its user's tally.
create function prediction_tallies() returns trigger
language plpgsql as $$
declare
    users bigint[];
    matches bigint[];
    homes integer[];
    aways integer[];
    signs integer[];
    d_tournaments bigint[];
    d_users bigint[];
    d_tiers smallint[];
    d_signs integer[];
begin
    if tg_op = 'INSERT' then
        select array_agg(user_id), array_agg(match_id), array_agg(home_score), array_agg(away_score), array_agg(1)
          into users, matches, homes, aways, signs from new_rows;
    elsif tg_op = 'DELETE' then
        select array_agg(user_id), array_agg(match_id), array_agg(home_score), array_agg(away_score), array_agg(-1)
          into users, matches, homes, aways, signs from old_rows;
    else
        select array_agg(user_id), array_agg(match_id), array_agg(home_score), array_agg(away_score), array_agg(sign)
          into users, matches, homes, aways, signs
          from (select *, -1 as sign from old_rows union all select *, 1 from new_rows) as both_sides;
    end if;
    select array_agg(m.tournament_id), array_agg(p.user_id), array_agg(prediction_tier(
               p.home_score, p.away_score,
               case when t.scoring_result = 'after_extra_time' then m.home_score else m.home_score_regular end,
               case when t.scoring_result = 'after_extra_time' then m.away_score else m.away_score_regular end)),
           array_agg(p.sign)
      into d_tournaments, d_users, d_tiers, d_signs
      from unnest(users, matches, homes, aways, signs) as p (user_id, match_id, home_score, away_score, sign)
      join match m on m.id = p.match_id and m.status = 'ended'
      join tournament t on t.id = m.tournament_id;
    if d_tournaments is not null then
        perform apply_tally_deltas(d_tournaments, d_users, d_tiers, d_signs);
    end if;
    return null;
end;
$$;

create trigger prediction_insert_tallies
    after insert on prediction referencing new table as new_rows
    for each statement execute function prediction_tallies();
create trigger prediction_delete_tallies
    after delete on prediction referencing old table as old_rows
    for each statement execute function prediction_tallies();
create trigger prediction_update_tallies
    after update on prediction referencing old table as old_rows new table as new_rows
    for each statement execute function prediction_tallies();

-- The tier of every ended match's predictions follows the tournament's scoring_result.
create function tournament_scoring_tallies() returns trigger
language plpgsql as $$
begin
    perform rebuild_tournament_tallies(new.id);
    return null;
end;
$$;

create trigger tournament_scoring_tallies
    after update of scoring_result on tournament
    for each row
    when (old.scoring_result is distinct from new.scoring_result)
    execute function tournament_scoring_tallies();

-- Standings pages read one page through an index at any offset: each row's place in the
-- order the API shows (rank, name, user id) is stored with it.
alter table participant_score add column position integer;
create index participant_score_position_idx on participant_score (league_tournament_id, position);

-- The whole league's standings (points and counts summed over its tournaments, ranked the
-- same way), kept in the same transaction as each of its tournaments' recalculation.
create table league_standing (
    league_id             bigint not null references league (id) on delete cascade,
    user_id               bigint not null references app_user (id) on delete cascade,
    points                integer not null,
    exact_count           integer not null,
    goal_difference_count integer not null,
    outcome_count         integer not null,
    rank                  integer not null,
    position              integer not null,
    primary key (league_id, user_id)
);
create index league_standing_position_idx on league_standing (league_id, position);

-- A name decides the order within a rank: renaming a participant moves their rows.
create function app_user_name_marks_outdata() returns trigger
language plpgsql as $$
begin
    perform mark_league_tournaments_outdata(array(
        select lt.id from league_participant lp join league_tournament lt on lt.league_id = lp.league_id
         where lp.user_id = new.id));
    return null;
end;
$$;

create trigger app_user_name_marks_outdata
    after update of name on app_user
    for each row
    when (old.name is distinct from new.name)
    execute function app_user_name_marks_outdata();

-- A league that stops following a tournament: its other standings must be recalculated.
create function league_tournament_delete_marks_outdata() returns trigger
language plpgsql as $$
begin
    perform mark_league_tournaments_outdata(array(
        select id from league_tournament where league_id in (select league_id from old_rows)));
    delete from league_standing where league_id in (select league_id from old_rows)
       and not exists (select 1 from league_tournament lt
                        where lt.league_id = league_standing.league_id);
    return null;
end;
$$;

create trigger league_tournament_delete_marks_outdata
    after delete on league_tournament referencing old table as old_rows
    for each statement execute function league_tournament_delete_marks_outdata();

-- Existing data: every tournament's tallies from scratch, every standing recalculated.
select rebuild_tournament_tallies(id) from tournament;
select mark_league_tournaments_outdata(array(select id from league_tournament));
