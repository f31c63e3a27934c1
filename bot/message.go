package bot

import (
	"errors"
	"time"
)

// Why a message left the outbox without reaching its chat. The delivery
// layer reports an error wrapping one of these, or the platform's own.
var (
	ErrExpired    = errors.New("expired before it could be delivered")
	ErrNotRunning = errors.New("the chat's platform is not running")
)

// Message kinds: a closed set, rendered per platform.
const (
	KindReply   = "reply"   // an answer to a command
	KindStatus  = "status"  // an incident's status card (edited in place where possible)
	KindNotice  = "notice"  // an incident change told to its chats
	KindPage    = "page"    // a page to a duty officer
	KindSummary = "summary" // a leadership summary
	KindReport  = "report"  // a formal report
)

// Button is a one-tap action under a message. Data is a command line the
// bot understands (e.g. "/ack IR-7"), at most 64 bytes.
type Button struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// Outgoing is a message waiting in the outbox. It is written in the same
// commit as the action that caused it and deleted once the platform has
// accepted it.
type Outgoing struct {
	ID       string  `json:"id"` // assigned by the store; orders the outbox
	Incident int64   `json:"incident,omitempty"`
	Chat     ChatRef `json:"chat"`
	Kind     string  `json:"kind"`
	// Text is the message in the bot's markup (see ParseBody): plain text
	// whose first line is the headline when there are more lines, and
	// command hints between CommandStart and CommandEnd (Command). Each
	// adapter renders it for its platform; no mark reaches a chat.
	Text    string   `json:"text"`
	Buttons []Button `json:"buttons,omitempty"`
	EditKey string   `json:"edit_key,omitempty"` // same key = edit the earlier message with that key, where the platform can
	Edit    string   `json:"edit,omitempty"`     // platform message id to edit in place (a tapped button's message), where the platform can
	// EditOnly drops the message on platforms that cannot edit (a live
	// status card would otherwise be re-posted on every change).
	EditOnly bool `json:"edit_only,omitempty"`
	// File, when set, is sent as a document where the platform can; Text
	// is the fallback (and caption).
	File     *File     `json:"file,omitempty"`
	ReplyTo  string    `json:"reply_to,omitempty"` // platform message id the reply answers
	Attempts int       `json:"attempts,omitempty"`
	NotAfter time.Time `json:"not_after,omitzero"` // dropped as expired after this time, if set
}

// File is a document attached to a message (a report).
type File struct {
	Name string `json:"name"`
	MIME string `json:"mime"`
	Data []byte `json:"data"`
}

// Timer is a durable due-time row. Kind and Data tell the engine what to do
// when it comes due; the ID is deterministic so that setting it twice is
// harmless and firing it twice can be detected.
type Timer struct {
	ID       string            `json:"id"`
	Due      time.Time         `json:"due"`
	Kind     string            `json:"kind"`
	Incident int64             `json:"incident,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
}

// Inbound is one message or button press from a chat platform.
type Inbound struct {
	Platform  string
	Chat      ChatRef
	User      string // platform user id
	UserName  string // display name, for people not yet known
	Text      string // message text, or a button's Data
	Button    bool   // Text came from a button press
	ID        string // platform update id, for deduplication ("" = none)
	MessageID string // the platform message, for replies and edits
}

// Clock tells the time. Tests inject a fake one and fast-forward it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
