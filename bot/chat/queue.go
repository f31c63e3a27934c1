package chat

import (
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
)

// Class is a message's delivery priority. A chat sends its messages of a
// higher class first; within a class, in commit order.
type Class int

// The classes, most urgent first.
const (
	ClassPage       Class = iota // pages and acknowledgement prompts to people
	ClassReply                   // answers to the person who typed
	ClassNotice                  // incident-chat notices and reports
	ClassBackground              // status-card edits and leadership summaries
	numClasses
)

var classNames = [numClasses]string{"page", "reply", "notice", "background"}

func (c Class) String() string {
	if c < 0 || c >= numClasses {
		return "class" + strconv.Itoa(int(c))
	}
	return classNames[c]
}

// ClassOf returns the delivery class of m.
func ClassOf(m bot.Outgoing) Class {
	switch {
	case m.Kind == bot.KindPage:
		return ClassPage
	case m.Kind == bot.KindStatus && m.EditKey != "", m.Kind == bot.KindSummary:
		return ClassBackground
	case m.Edit == "" && asksToAck(m):
		return ClassPage // an acknowledgement prompt: a new incident, a page told in its chat
	case m.Kind == bot.KindReply || m.ReplyTo != "" || m.Edit != "":
		return ClassReply
	case m.Kind == bot.KindStatus && m.EditKey != "", m.Kind == bot.KindSummary:
		return ClassBackground
	default:
		return ClassNotice
	}
}

// asksToAck reports whether m carries an acknowledge button.
func asksToAck(m bot.Outgoing) bool {
	for _, b := range m.Buttons {
		if strings.HasPrefix(b.Data, "/ack ") {
			return true
		}
	}
	return false
}

// item is one message waiting in a chat's queue, or several pages to one
// chat sent as one bundle.
type item struct {
	m       bot.Outgoing
	seq     uint64 // the outbox id as a number: commit order
	class   Class
	parts   []string       // the text cut to the platform's length, once sending starts
	next    int            // parts already accepted by the platform
	members []bot.Outgoing // a bundle's pages (nil for a single message)
	holdTil time.Time      // not sent before (summaries settle, so a burst becomes one)
	noEdit  bool           // its message could not be edited: post it anew
}

// ids returns the outbox ids the item stands for.
func (it *item) ids() []string {
	if it.members == nil {
		return []string{it.m.ID}
	}
	out := make([]string, len(it.members))
	for i, m := range it.members {
		out[i] = m.ID
	}
	return out
}

// coalesceKey is what makes a newer message replace an older one still
// waiting in the same chat: the same live card, or a summary of the same
// incident. "" never coalesces.
func coalesceKey(m bot.Outgoing) string {
	switch {
	case m.EditKey != "" && m.Edit == "":
		return "card:" + m.EditKey
	case m.Kind == bot.KindSummary && m.Incident != 0:
		return "summary:" + strconv.FormatInt(m.Incident, 10)
	}
	return ""
}

// chatQueue holds one chat's waiting messages, a FIFO per class.
type chatQueue struct {
	ref     bot.ChatRef
	key     string
	plat    *platQueue
	classes [numClasses][]*item
	cur     *item     // partly sent: its remaining parts go before anything else
	busy    bool      // a send to this chat is in flight
	wait    time.Time // not before (backoff, the platform's retry_after)
	chatWin *window
	grpWin  *window
}

func (q *chatQueue) empty() bool {
	if q.cur != nil {
		return false
	}
	for _, c := range q.classes {
		if len(c) > 0 {
			return false
		}
	}
	return true
}

func (q *chatQueue) len() int {
	n := 0
	if q.cur != nil {
		n++
	}
	for _, c := range q.classes {
		n += len(c)
	}
	return n
}

// head returns the message to send next: the partly sent one, else the
// first of the most urgent class that is not held back. hold is the
// earliest hold that kept an item back (zero if none).
func (q *chatQueue) head(now time.Time) (it *item, hold time.Time) {
	if q.cur != nil {
		return q.cur, time.Time{}
	}
	for c := range q.classes {
		for _, x := range q.classes[c] {
			if x.holdTil.After(now) {
				if hold.IsZero() || x.holdTil.Before(hold) {
					hold = x.holdTil
				}
				continue
			}
			return x, hold
		}
		if Class(c) == ClassPage && len(q.classes[c]) > 0 {
			return nil, hold // a page gathering its fellows: nothing may take its slot
		}
	}
	return nil, hold
}

// remove takes it out of its class queue.
func (q *chatQueue) remove(it *item) {
	if q.cur == it {
		q.cur = nil
		return
	}
	list := q.classes[it.class]
	for i, x := range list {
		if x == it {
			q.classes[it.class] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// supersede removes and returns the waiting, unstarted messages that m
// replaces.
func (q *chatQueue) supersede(m bot.Outgoing) []*item {
	key := coalesceKey(m)
	if key == "" {
		return nil
	}
	var gone []*item
	c := ClassOf(m)
	kept := q.classes[c][:0]
	for _, x := range q.classes[c] {
		if x.members == nil && coalesceKey(x.m) == key {
			gone = append(gone, x)
			continue
		}
		kept = append(kept, x)
	}
	clear(q.classes[c][len(kept):])
	q.classes[c] = kept
	return gone
}

// takePages removes and returns every page waiting in the chat, in commit
// order, so that they go out as one bundle.
func (q *chatQueue) takePages() []*item {
	var pages []*item
	kept := q.classes[ClassPage][:0]
	for _, x := range q.classes[ClassPage] {
		if x.m.Kind == bot.KindPage && x.members == nil && x.m.File == nil && x.m.Edit == "" {
			pages = append(pages, x)
			continue
		}
		kept = append(kept, x)
	}
	clear(q.classes[ClassPage][len(kept):])
	q.classes[ClassPage] = kept
	return pages
}

// platQueue is one platform's sender, limits and chats.
type platQueue struct {
	sender   Sender
	limits   Limits
	global   *window
	chats    map[string]*chatQueue
	inflight int
}
