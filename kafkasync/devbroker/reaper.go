package devbroker

import (
	"context"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/background"
)

// A reaper removes the consumer-group members that kfake keeps although
// they are gone, as Apache Kafka's session time-out would.
//
// kfake starts a member's session timer when it hands the member's
// JoinGroup answer to the connection, and a member waiting in JoinGroup has
// none running. A consumer that dies while it waits in a rebalance —
// killed as it starts, or giving up on a slow rebalance — has a closed
// connection when the answer comes, and kfake then drops the answer and,
// half the time (a select between the closed connection and room in its
// reply buffer), also the timer. If another member leads the generation,
// the leader's SyncGroup makes the group stable and stops the last timer
// that could have removed the dead member (the one for members that do not
// sync): the dead member keeps its share of the partitions, and nobody
// consumes them, until some member joins or leaves. Apache Kafka times it
// out a session time-out after the rebalance.
//
// The reaper watches the requests that name a member (JoinGroup,
// SyncGroup, Heartbeat, OffsetCommit, LeaveGroup) and looks at the groups
// it has seen every second; a member of a stable group that has sent
// nothing for longer than the group's session time-out — counted at the
// earliest from when the group was first seen stable after its last join —
// is made to leave, which rebalances the group.
type reaper struct {
	log *zap.Logger

	mu     sync.Mutex
	groups map[string]*watched
}

// watched is what the reaper knows of a group.
type watched struct {
	session time.Duration        // the longest a member asked for
	stable  time.Time            // first seen stable since the last JoinGroup; zero: not yet
	heard   map[string]time.Time // member → its last request, or when first seen
}

// reapInterval is how often the reaper looks at the groups.
const reapInterval = time.Second

func newReaper(log *zap.Logger) *reaper {
	return &reaper{log: log, groups: map[string]*watched{}}
}

// watch has the reaper observe the group requests of c.
func (r *reaper) watch(c *kfake.Cluster) {
	for _, key := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat, kmsg.OffsetCommit, kmsg.LeaveGroup} {
		c.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			r.observe(req)
			return nil, nil, false // kfake handles it
		})
	}
}

// observe records a request naming a group member.
func (r *reaper) observe(req kmsg.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	switch req := req.(type) {
	case *kmsg.JoinGroupRequest:
		g := r.group(req.Group)
		g.stable = time.Time{}
		g.session = max(g.session, time.Duration(req.SessionTimeoutMillis)*time.Millisecond)
		r.heard(req.Group, req.MemberID, now)
	case *kmsg.SyncGroupRequest:
		r.heard(req.Group, req.MemberID, now)
	case *kmsg.HeartbeatRequest:
		r.heard(req.Group, req.MemberID, now)
	case *kmsg.OffsetCommitRequest:
		r.heard(req.Group, req.MemberID, now)
	case *kmsg.LeaveGroupRequest:
		if g := r.groups[req.Group]; g != nil {
			delete(g.heard, req.MemberID)
			for _, m := range req.Members {
				delete(g.heard, m.MemberID)
			}
		}
	}
}

func (r *reaper) group(name string) *watched {
	g := r.groups[name]
	if g == nil {
		g = &watched{heard: map[string]time.Time{}}
		r.groups[name] = g
	}
	return g
}

func (r *reaper) heard(group, member string, at time.Time) {
	if g := r.groups[group]; g != nil && member != "" {
		g.heard[member] = at
	}
}

// run reaps the groups of the broker at addr every reapInterval until ctx
// ends.
func (r *reaper) run(ctx context.Context, addr string) {
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second, Transport: transport}
	for background.Sleep(ctx, reapInterval, nil) {
		if err := r.reap(ctx, client); err != nil && ctx.Err() == nil {
			r.log.Debug("reaping consumer groups", zap.Error(err))
		}
	}
}

// reap makes the gone members of the watched groups leave.
func (r *reaper) reap(ctx context.Context, client *kafka.Client) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.groups))
	for name := range r.groups {
		names = append(names, name)
	}
	r.mu.Unlock()
	if len(names) == 0 {
		return nil
	}
	res, err := client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: names})
	if err != nil {
		return err
	}
	for _, desc := range res.Groups {
		if desc.Error != nil {
			continue
		}
		for _, gone := range r.gone(desc) {
			_, err := client.LeaveGroup(ctx, &kafka.LeaveGroupRequest{GroupID: desc.GroupID,
				Members: []kafka.LeaveGroupRequestMember{{ID: gone.member}}})
			if err != nil {
				return err
			}
			r.log.Warn("removed a consumer-group member that went away in a rebalance and that kfake kept",
				zap.String("group", desc.GroupID), zap.String("member", gone.member), zap.Duration("silent", gone.silent))
		}
	}
	return nil
}

// member is a member of a group and how long it has been silent.
type member struct {
	member string
	silent time.Duration
}

// gone updates what the reaper knows of a group from its description and
// returns the members that are gone.
func (r *reaper) gone(desc kafka.DescribeGroupsResponseGroup) []member {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.groups[desc.GroupID]
	if g == nil {
		return nil
	}
	if len(desc.Members) == 0 {
		delete(r.groups, desc.GroupID) // a join watches it again
		return nil
	}
	now := time.Now()
	listed := make(map[string]bool, len(desc.Members))
	for _, m := range desc.Members {
		listed[m.MemberID] = true
		if _, ok := g.heard[m.MemberID]; !ok {
			g.heard[m.MemberID] = now // joined without an id: its JoinGroup, give or take a second
		}
	}
	for id := range g.heard {
		if !listed[id] {
			delete(g.heard, id)
		}
	}
	if desc.GroupState != "Stable" || g.session == 0 {
		g.stable = time.Time{}
		return nil
	}
	if g.stable.IsZero() {
		g.stable = now
	}
	var gone []member
	for id, at := range g.heard {
		if silent := now.Sub(later(at, g.stable)); silent > g.session {
			gone = append(gone, member{id, now.Sub(at)})
		}
	}
	return gone
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
