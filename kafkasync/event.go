package kafkasync

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/articles"
)

// Event types, "article." and the change type.
const (
	TypeCreated = "article.created"
	TypeUpdated = "article.updated"
	TypeDeleted = "article.deleted"
)

// ContentTypeHeader is the Kafka header naming the message's format: a
// structured-mode CloudEvent, application/cloudevents+json.
const ContentTypeHeader = "content-type"

// ErrBadEvent reports a message that is not an article CloudEvent this
// package can apply; such messages are dead-lettered.
var ErrBadEvent = errors.New("not an article CloudEvent")

// Encode turns an outbox event into a Kafka message: key the article id,
// value the CloudEvent (structured mode) whose id is the outbox event id,
// subject the article id, time the change time and data the article at its
// version. An event whose payload is not JSON is refused: the outbox row
// was damaged.
func Encode(source string, ev articles.Event) (kafka.Message, error) {
	// The payload is written as is, so it is checked here rather than be
	// sent as a CloudEvent no one can parse.
	if !json.Valid(ev.Payload) {
		return kafka.Message{}, fmt.Errorf("kafkasync: event %s: payload is not JSON", ev.ID)
	}
	e := event.New()
	e.SetID(ev.ID)
	e.SetSource(source)
	e.SetType("article." + string(ev.Type))
	e.SetSubject(strconv.FormatInt(ev.ArticleID, 10))
	e.SetTime(ev.CreatedAt)
	// The payload is JSON already: set it as is rather than have SetData
	// encode it again. MarshalJSON is called directly for the same reason:
	// json.Marshal would re-validate its output.
	e.SetDataContentType(event.ApplicationJSON)
	e.DataEncoded = ev.Payload
	value, err := e.MarshalJSON()
	if err != nil {
		return kafka.Message{}, fmt.Errorf("kafkasync: event %s: %w", ev.ID, err)
	}
	return kafka.Message{
		Key:     []byte(e.Subject()),
		Value:   value,
		Time:    ev.CreatedAt,
		Headers: []kafka.Header{{Key: ContentTypeHeader, Value: []byte(event.ApplicationCloudEventsJSON)}},
	}, nil
}

// Decoded is an applied-to-be change with what the consumer reports of it.
type Decoded struct {
	Change articles.Change
	// ID is the CloudEvent id; Time when the change happened.
	ID   string
	Time time.Time
}

// Decode parses a message produced by Encode (or by anyone writing the same
// format) and checks it: a valid CloudEvent of a known type whose data is
// an article whose id matches the subject. Anything else is ErrBadEvent.
func Decode(msg kafka.Message) (d Decoded, err error) {
	for _, h := range msg.Headers {
		if strings.EqualFold(h.Key, ContentTypeHeader) && !strings.HasPrefix(string(h.Value), event.ApplicationCloudEventsJSON) {
			return Decoded{}, fmt.Errorf("%w: content type %q", ErrBadEvent, truncate(string(h.Value)))
		}
	}
	// Only CloudEvents 1.0: the SDK's parser of older versions has crashed
	// on crafted input (a nil dereference), and a message must never take
	// the consumer down.
	var probe struct {
		SpecVersion string `json:"specversion"`
	}
	if err := json.Unmarshal(msg.Value, &probe); err != nil {
		return Decoded{}, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	if probe.SpecVersion != event.CloudEventsVersionV1 {
		return Decoded{}, fmt.Errorf("%w: specversion %q, want 1.0", ErrBadEvent, truncate(probe.SpecVersion))
	}
	defer func() {
		if r := recover(); r != nil {
			d, err = Decoded{}, fmt.Errorf("%w: unparseable (%v)", ErrBadEvent, r)
		}
	}()
	var e event.Event
	// UnmarshalJSON directly: json.Unmarshal would validate the bytes again.
	if err := e.UnmarshalJSON(msg.Value); err != nil {
		return Decoded{}, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	if err := e.Validate(); err != nil {
		return Decoded{}, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	typ, ok := strings.CutPrefix(e.Type(), "article.")
	kind := articles.ChangeType(typ)
	if !ok || !kind.Valid() {
		return Decoded{}, fmt.Errorf("%w: type %q", ErrBadEvent, truncate(e.Type()))
	}
	var a articles.Article
	if err := e.DataAs(&a); err != nil {
		return Decoded{}, fmt.Errorf("%w: data: %v", ErrBadEvent, err)
	}
	if e.Subject() != strconv.FormatInt(a.ID, 10) {
		return Decoded{}, fmt.Errorf("%w: subject %q but article %d", ErrBadEvent, truncate(e.Subject()), a.ID)
	}
	if msg.Key != nil && string(msg.Key) != e.Subject() {
		// The key decides the partition, hence the order: it must be the article.
		return Decoded{}, fmt.Errorf("%w: key %q but subject %q", ErrBadEvent, truncate(string(msg.Key)), e.Subject())
	}
	return Decoded{Change: articles.Change{Type: kind, Article: a}, ID: e.ID(), Time: e.Time()}, nil
}

// truncate bounds what a message puts into an error, hence into logs and
// dead-letter headers.
func truncate(s string) string { return clip(s, 100) }

func jsonOf(a articles.Article) (json.RawMessage, error) {
	if a.Tags == nil {
		a.Tags = []string{}
	}
	return json.Marshal(a)
}
