package openmp

import (
	"context"
)

// Teams on the host (OpenMP 5: a teams construct may be the outermost
// construct of a program). __kmpc_fork_teams creates a league of teams:
// the league is a team whose members are the initial threads of the
// teams, each running the teams region in a team of its own (a "teams
// team": one thread, nesting level 0, not in parallel). omp_get_team_num
// is the member's number in the league and omp_get_num_teams the league's
// size; parallel regions inside a team nest below its teams team, with at
// most the league's thread limit of threads each. Reductions of the teams
// construct combine across the league; distribute splits loops among its
// teams.

// forkTeams implements __kmpc_fork_teams.
func (th *Thread) forkTeams(ctx context.Context, micro uint32, args []uint32) {
	cur := th.cur.team
	if cur.league != nil {
		th.fault("a teams construct is nested inside another teams region (teams may only be the outermost construct on the host)")
	}
	if cur.level > 0 {
		th.fault("a teams construct is nested inside a parallel region (teams may only be the outermost construct on the host)")
	}
	want := int(th.pushedTeams)
	if want <= 0 {
		want = th.defaultTeams()
	}
	n := min(want, th.p.set.threadLimit)
	limit := int(th.pushedTeamLimit)
	if limit <= 0 {
		limit = th.defaultTeamsLimit(n)
	}
	th.pushedTeams, th.pushedTeamLimit = 0, 0
	limit = min(limit, th.p.set.threadLimit)
	var workers []*Thread
	if n > 1 {
		workers = th.acquireWorkers(n - 1)
	}
	members := make([]*Thread, 1, 1+len(workers))
	members[0] = th
	members = append(members, workers...)
	n = len(members)
	lg := &team{p: th.p, parent: cur, parentTid: th.cur.tid, level: cur.level, active: cur.active,
		n: n, members: members, micro: micro, args: args, isLeague: true, teamsLimit: limit}
	lg.init()
	tasks := make([]task, n)
	lg.implicit = make([]*task, n)
	for i := range tasks {
		tasks[i] = task{implicit: true, team: lg, thread: members[i], icv: th.cur.task.icv}
		lg.implicit[i] = &tasks[i]
	}
	for i, w := range workers {
		w.assign(lg, i+1)
	}
	th.enterTeam(lg, 0)
	if err := th.runTeamOfLeague(ctx, lg, 0); err != nil {
		th.leaveTeam()
		th.p.fail(err, th.gtid)
		panic(err)
	}
	th.barrier(lg)
	th.leaveTeam()
	th.releaseHot()
	th.hot = workers
	for _, w := range workers {
		if err := w.checkStack(); err != nil {
			th.p.fail(err, w.gtid)
			panic(err)
		}
	}
}

// defaultTeams is the number of teams of a teams construct without
// num_teams: nteams-var, or 1.
func (th *Thread) defaultTeams() int {
	return max(1, int(th.p.nteams.Load()))
}

// defaultTeamsLimit is the thread limit of each of n teams without a
// thread_limit clause: teams-thread-limit-var, or the threads of one
// parallel region (nthreads-var) shared among the teams.
func (th *Thread) defaultTeamsLimit(n int) int {
	if l := int(th.p.teamsThreadLimit.Load()); l > 0 {
		return l
	}
	return max(1, th.cur.task.icv.nthreads[0]/max(n, 1))
}

// runTeamOfLeague runs the teams region as the initial thread of team num
// of the league lg (th is already lg's member num).
func (th *Thread) runTeamOfLeague(ctx context.Context, lg *team, num int) error {
	tt := &team{p: th.p, parent: lg, parentTid: num, level: lg.level, active: lg.active, n: 1,
		members: []*Thread{th}, league: lg, teamNum: num, teamsRoot: true, teamsLimit: lg.teamsLimit}
	tt.init()
	tt.implicit = []*task{{implicit: true, team: tt, thread: th, icv: lg.implicit[num].icv}}
	th.enterTeam(tt, 0)
	if err := th.callMicrotask(ctx, lg.micro, lg.args, 0); err != nil {
		th.leaveTeam()
		return err
	}
	th.barrier(tt)
	th.leaveTeam()
	return nil
}

// reductionTeam is the team a reduction of the current construct
// combines over, and the thread's number in it: the league for the
// reduction clause of a teams construct.
func (th *Thread) reductionTeam() (*team, int) {
	c := &th.cur
	if c.team.teamsRoot {
		return c.team.league, c.team.teamNum
	}
	return c.team, c.tid
}

// distributeTeams is the number of teams a distribute construct divides
// its loop among and the calling team's number.
func (th *Thread) distributeTeams() (n, num int) {
	tm := th.cur.team
	switch {
	case tm.teamsRoot:
		return tm.league.n, tm.teamNum
	case tm.league == nil && tm.level == 0:
		return 1, 0 // outside teams: a league of one team
	}
	th.fault("a distribute construct is not closely nested in a teams region")
	return 0, 0
}

// teamNum and numTeams are omp_get_team_num and omp_get_num_teams.
func (th *Thread) teamNum() int {
	if th.cur.team.league == nil {
		return 0
	}
	return th.cur.team.teamNum
}

func (th *Thread) numTeams() int {
	if lg := th.cur.team.league; lg != nil {
		return lg.n
	}
	return 1
}

// threadLimit is thread-limit-var: the league's limit inside teams.
func (th *Thread) threadLimit() int {
	if l := th.cur.team.teamsLimit; l > 0 {
		return l
	}
	return th.p.set.threadLimit
}
