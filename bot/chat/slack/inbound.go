package slack

import (
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/irbot/irbot/bot"
)

// chatOf names the chat of a conversation: a direct message channel (D…)
// is the user's direct chat, named by the user id as the engine names
// direct chats; any other conversation by its id.
func chatOf(channel, user string, im bool) bot.ChatRef {
	if (im || strings.HasPrefix(channel, "D")) && user != "" {
		return bot.ChatRef{Platform: Platform, ID: user, Direct: true}
	}
	return bot.ChatRef{Platform: Platform, ID: channel}
}

// fromEvent turns an Events API callback's inner event into an inbound
// message; ok is false for events the bot does not act on (its own
// messages, edits, joins, chatter in channels unless configured).
func (a *Adapter) fromEvent(eventID string, inner any) (bot.Inbound, bool) {
	switch ev := inner.(type) {
	case *slackevents.AppMentionEvent:
		if ev.BotID != "" || ev.User == "" || ev.User == a.botUser || ev.Channel == "" {
			return bot.Inbound{}, false
		}
		a.rememberThread(ev.Channel, ev.TimeStamp, ev.ThreadTimeStamp)
		return bot.Inbound{Platform: Platform, Chat: chatOf(ev.Channel, ev.User, false), User: ev.User,
			Text: a.cleanText(ev.Text), ID: eventID, MessageID: ev.TimeStamp}, true
	case *slackevents.MessageEvent:
		switch ev.SubType {
		case "", "thread_broadcast", "file_share":
		default: // edits, deletions, joins, bot messages…
			return bot.Inbound{}, false
		}
		if ev.BotID != "" || ev.User == "" || ev.User == a.botUser || ev.Channel == "" {
			return bot.Inbound{}, false
		}
		im := ev.ChannelType == "im" || strings.HasPrefix(ev.Channel, "D")
		if !im {
			// In a channel only when configured, and a mention of the bot
			// comes as app_mention too: act on that one.
			if !a.cfg.ChannelMessages || (a.botUser != "" && strings.Contains(ev.Text, "<@"+a.botUser)) {
				return bot.Inbound{}, false
			}
		}
		a.rememberThread(ev.Channel, ev.TimeStamp, ev.ThreadTimeStamp)
		return bot.Inbound{Platform: Platform, Chat: chatOf(ev.Channel, ev.User, im), User: ev.User,
			Text: a.cleanText(ev.Text), ID: eventID, MessageID: ev.TimeStamp}, true
	}
	return bot.Inbound{}, false
}

// fromCommand turns a slash command into an inbound message whose text is
// "/ir <text>", whatever the command is called in the workspace (the
// engine understands "/ir ack 12"). The trigger id identifies it.
func (a *Adapter) fromCommand(c slackapi.SlashCommand) (bot.Inbound, bool) {
	if c.ChannelID == "" || c.UserID == "" {
		return bot.Inbound{}, false
	}
	text := strings.TrimSpace(decodeText(c.Text))
	if text != "" {
		text = "/ir " + text
	} else {
		text = "/ir"
	}
	id := c.TriggerID
	if id != "" {
		id = "cmd:" + id
	}
	return bot.Inbound{Platform: Platform, Chat: chatOf(c.ChannelID, c.UserID, c.ChannelName == "directmessage"),
		User: c.UserID, UserName: c.UserName, Text: text, ID: id}, true
}

// fromInteraction turns the button presses of a block_actions payload into
// inbound messages: the button's data as text, the message it sits on as
// MessageID (the engine edits that message to show what was done).
func (a *Adapter) fromInteraction(ctx context.Context, ic *slackapi.InteractionCallback) ([]bot.Inbound, error) {
	if ic.Type != slackapi.InteractionTypeBlockActions {
		return nil, nil
	}
	channel := firstNonEmpty(ic.Container.ChannelID, ic.Channel.ID)
	msgTS := firstNonEmpty(ic.Container.MessageTs, ic.Message.Timestamp)
	if channel == "" || ic.User.ID == "" {
		return nil, nil
	}
	// An answer to the press (a refusal, "already acknowledged") goes where
	// the button is: into its thread, not to the whole channel.
	a.setThread(channel, msgTS, firstNonEmpty(ic.Message.ThreadTimestamp, ic.Container.ThreadTs, msgTS))
	var out []bot.Inbound
	for _, act := range ic.ActionCallback.BlockActions {
		if act == nil || act.Value == "" {
			continue
		}
		data, ok, err := a.buttonData(ctx, act.Value)
		if err != nil {
			return nil, err
		}
		if !ok {
			a.log.Warn("slack: a pressed button's stored data is gone", "value", act.Value)
			continue
		}
		ts := firstNonEmpty(act.ActionTs, ic.ActionTs)
		id := ""
		if ts != "" {
			id = "btn:" + ts + ":" + ic.User.ID
		}
		out = append(out, bot.Inbound{Platform: Platform, Chat: chatOf(channel, ic.User.ID, false), User: ic.User.ID,
			UserName: firstNonEmpty(ic.User.Name, ic.User.Profile.DisplayName), Text: data, Button: true,
			ID: id, MessageID: msgTS})
	}
	return out, nil
}

// cleanText turns a message's text as Slack sends it into what the user
// typed: a leading mention of the bot becomes the "/ir" prefix the engine
// understands ("<@U1> ack 5" → "/ir ack 5", "<@U1> /ack 5" → "/ack 5"),
// links and channel references show as typed, and &amp; &lt; &gt; are
// decoded. Mentions of people stay as "<@U123>", which the engine reads.
func (a *Adapter) cleanText(s string) string {
	s = strings.TrimSpace(s)
	if a.botUser != "" && strings.HasPrefix(s, "<@"+a.botUser) {
		if end := strings.IndexByte(s, '>'); end > 0 {
			tag := s[2:end]
			if id, _, _ := strings.Cut(tag, "|"); id == a.botUser {
				rest := strings.TrimSpace(strings.TrimLeft(s[end+1:], ":, "))
				rest = strings.TrimSpace(decodeText(rest))
				switch {
				case rest == "":
					return "/ir"
				case strings.HasPrefix(rest, "/"):
					return rest
				}
				return "/ir " + rest
			}
		}
	}
	return strings.TrimSpace(decodeText(s))
}

// decodeText undoes Slack's message formatting: "<http://x|label>" →
// label (what was typed; "<http://x>" → the URL), "<#C1|general>" →
// "#general", "<!here>" → "@here"; user mentions "<@U1>" and "<@U1|name>"
// stay. Then &lt;, &gt; and &amp; are decoded.
func decodeText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(unescape(s[:i]))
		b.WriteString(decodeToken(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
	b.WriteString(unescape(s))
	return b.String()
}

// decodeToken renders the inside of one "<…>" of Slack's formatting.
func decodeToken(t string) string {
	target, label, hasLabel := strings.Cut(t, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		return "<" + t + ">"
	case strings.HasPrefix(target, "#"):
		if hasLabel {
			return "#" + unescape(label)
		}
		return target
	case strings.HasPrefix(target, "!"):
		if hasLabel {
			return unescape(label)
		}
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + name
	case hasLabel:
		return unescape(label)
	}
	return unescape(target)
}

// unescape decodes Slack's three entities.
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
