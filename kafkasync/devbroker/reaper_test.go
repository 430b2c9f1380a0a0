package devbroker_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// member is one consumer-group member spoken for by hand, on connections of
// its own that the test can cut as a crash would.
type member struct {
	client *kafka.Client
	group  string
	id     string
	gen    int

	mu    sync.Mutex
	conns []net.Conn
}

// session is the members' session time-out: kfake's shortest.
const session = 6 * time.Second

func newMember(t *testing.T, addr, group string) *member {
	m := &member{group: group}
	dialer := &net.Dialer{}
	transport := &kafka.Transport{Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, address)
		if err == nil {
			m.mu.Lock()
			m.conns = append(m.conns, c)
			m.mu.Unlock()
		}
		return c, err
	}}
	t.Cleanup(transport.CloseIdleConnections)
	m.client = &kafka.Client{Addr: kafka.TCP(addr), Transport: transport, Timeout: 30 * time.Second}
	return m
}

// join joins (or rejoins) the group and waits for the generation.
func (m *member) join(ctx context.Context, topic string) (*kafka.JoinGroupResponse, error) {
	req := &kafka.JoinGroupRequest{GroupID: m.group, MemberID: m.id, SessionTimeout: session, RebalanceTimeout: session,
		ProtocolType: "consumer", Protocols: []kafka.GroupProtocol{{Name: "range", Metadata: kafka.GroupProtocolSubscription{Topics: []string{topic}}}}}
	for {
		res, err := m.client.JoinGroup(ctx, req)
		if err == nil {
			err = res.Error
		}
		if errors.Is(err, kafka.MemberIDRequired) {
			req.MemberID = res.MemberID
			continue
		}
		if err != nil {
			return nil, err
		}
		m.id, m.gen = res.MemberID, res.GenerationID
		return res, nil
	}
}

// sync sends the leader's assignment: partitions split between members.
func (m *member) sync(ctx context.Context, topic string, members []string, partitions int) error {
	req := &kafka.SyncGroupRequest{GroupID: m.group, GenerationID: m.gen, MemberID: m.id, ProtocolType: "consumer", ProtocolName: "range"}
	for i, id := range members {
		a := kafka.GroupProtocolAssignment{AssignedPartitions: map[string][]int{}}
		for p := i; p < partitions; p += len(members) {
			a.AssignedPartitions[topic] = append(a.AssignedPartitions[topic], p)
		}
		req.Assignments = append(req.Assignments, kafka.SyncGroupRequestAssignment{MemberID: id, Assignment: a})
	}
	res, err := m.client.SyncGroup(ctx, req)
	if err == nil {
		err = res.Error
	}
	return err
}

// crash cuts the member's connections.
func (m *member) crash() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.conns {
		_ = c.Close()
	}
}

// members returns the group's state and members.
func members(client *kafka.Client, group string) (string, []string, error) {
	res, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return "", nil, err
	}
	var ids []string
	for _, m := range res.Groups[0].Members {
		ids = append(ids, m.MemberID)
	}
	return res.Groups[0].GroupState, ids, nil
}

// A member that dies while it waits in a rebalance, and that the group's
// leader then hands partitions, is removed once silent for its session
// time-out. kfake alone keeps it, with its partitions, until another member
// joins or leaves, when it misses the dead member's answer — at random,
// half the time: the test runs a few groups at once.
func TestGoneMemberRemoved(t *testing.T) {
	b, err := devbroker.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cfg := kafkasync.Config{Brokers: b.Addrs(), Topic: "reaped", Partitions: 4}
	if err := kafkasync.EnsureTopics(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	const groups = 6
	errs := make(chan error, groups)
	for i := range groups {
		go func() { errs <- reaped(t, b.Addrs()[0], fmt.Sprint("reaped-", i), cfg) }()
	}
	for range groups {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// reaped runs the scenario in group: a leader, a member dying in a
// rebalance and handed partitions; it returns an error unless the dead
// member is gone within its session time-out and a few seconds.
func reaped(t *testing.T, addr, group string, cfg kafkasync.Config) error {
	ctx := context.Background()
	admin := &kafka.Client{Addr: kafka.TCP(addr)}

	// The leader alone, then a second member that dies while it waits for
	// the leader to rejoin.
	leader := newMember(t, addr, group)
	if _, err := leader.join(ctx, cfg.Topic); err != nil {
		return err
	}
	if err := leader.sync(ctx, cfg.Topic, []string{leader.id}, cfg.Partitions); err != nil {
		return err
	}
	dead := newMember(t, addr, group)
	joined := make(chan error, 1)
	go func() { _, err := dead.join(ctx, cfg.Topic); joined <- err }()
	for {
		_, ids, err := members(admin, group)
		if err != nil {
			return err
		}
		if len(ids) == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	dead.crash()
	if err := <-joined; err == nil {
		return errors.New("the dying member's join succeeded")
	}

	// The leader rejoins, which completes the rebalance with both, and
	// hands the dead member half the partitions.
	res, err := leader.join(ctx, cfg.Topic)
	if err != nil {
		return err
	}
	var ids []string
	for _, m := range res.Members {
		ids = append(ids, m.ID)
	}
	if res.LeaderID != leader.id || len(ids) != 2 {
		return fmt.Errorf("%s generation %d: leader %s, members %v; want this leader and the dead member", group, res.GenerationID, res.LeaderID, ids)
	}
	if err := leader.sync(ctx, cfg.Topic, ids, cfg.Partitions); err != nil {
		return err
	}
	stableAt := time.Now()

	heartbeats, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for heartbeats.Err() == nil {
			_, _ = leader.client.Heartbeat(heartbeats, &kafka.HeartbeatRequest{GroupID: group, GenerationID: int32(leader.gen), MemberID: leader.id})
			time.Sleep(time.Second)
		}
	}()
	// Within the session time-out and a few looks of the reaper, only the
	// leader is left.
	for deadline := stableAt.Add(session + 5*time.Second); ; time.Sleep(100 * time.Millisecond) {
		state, ids, err := members(admin, group)
		if err != nil {
			return err
		}
		if len(ids) == 1 && ids[0] == leader.id {
			t.Logf("%s: the dead member was gone %.1fs after the group became stable", group, time.Since(stableAt).Seconds())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %.0fs after the group became stable it is %s with members %v; the dead one should be gone",
				group, time.Since(stableAt).Seconds(), state, ids)
		}
	}
}
