package notify

import (
	"html"
	"strings"

	"github.com/irbot/irbot/bot"
)

// HTML renders a message in the bot's markup (bot.ParseBody) as an HTML
// fragment for the web console and the document writers: the headline in
// <strong>, each command hint in <code>, every text escaped, lines
// separated by <br>. The result is safe to place inside an element.
func HTML(text string) string {
	b := bot.ParseBody(text)
	var out strings.Builder
	line := func(spans []bot.Span) {
		for _, s := range spans {
			if s.Kind == bot.SpanCommand {
				out.WriteString("<code>" + html.EscapeString(s.Text) + "</code>")
				continue
			}
			out.WriteString(html.EscapeString(s.Text))
		}
	}
	if b.Title != nil {
		out.WriteString("<strong>")
		line(b.Title)
		out.WriteString("</strong>")
		if len(b.Lines) > 0 {
			out.WriteString("<br>\n")
		}
	}
	for i, l := range b.Lines {
		if i > 0 {
			out.WriteString("<br>\n")
		}
		line(l)
	}
	return out.String()
}
