package report

import (
	"html/template"
	"strings"
)

// htmlPage is the standalone page. Every word and value comes from the
// doc, so html/template escapes all of it; the template itself holds only
// markup and style.
const htmlPage = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
h1{font-size:1.6rem;margin-bottom:.2rem}
h2{margin-top:2rem;border-bottom:1px solid #ccc;font-size:1.25rem}
h3{font-size:1.05rem;margin-bottom:.3rem}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:600}
dd{margin:0;white-space:pre-wrap}
li,p,td{white-space:pre-wrap}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.made{color:#555;font-style:italic}
.blank{color:#a00}
.hint{color:#666;font-size:.9em}
.warn{color:#a00;font-weight:700}
.hash{font-family:ui-monospace,monospace;word-break:break-all}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="made">{{.Made}}</p>
{{range .Sections}}<section>
<h2>{{.Title}}</h2>
{{template "body" .}}{{range .Subs}}<h3>{{.Title}}</h3>
{{template "body" .}}{{end}}</section>
{{end}}<footer>
<hr>
<p{{if .Broken}} class="warn"{{end}}>{{.Check}}</p>
<p class="hash">{{.Chain}}</p>
</footer>
</body>
</html>
{{define "value"}}{{if .Blank}}<span class="blank">{{.Value}}</span>{{if .Hint}} <span class="hint">({{.Hint}})</span>{{end}}{{else}}{{.Value}}{{end}}{{end}}
{{define "body"}}{{if .Items}}{{$dl := false}}{{range .Items}}{{if .Label}}{{$dl = true}}{{end}}{{end}}{{if $dl}}<dl>
{{range .Items}}<dt>{{.Label}}</dt><dd>{{template "value" .}}</dd>
{{end}}</dl>
{{else}}{{range .Items}}<p>{{template "value" .}}</p>
{{end}}{{end}}{{end}}{{if .Lines}}<ul>
{{range .Lines}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{if .Events}}<table>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Events}}<tr><td>{{.Seq}}</td><td>{{.At}}</td><td>{{.Actor}}</td><td>{{.Text}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{if .Empty}}<p>{{.Empty}}</p>
{{end}}{{end}}`

// HTML is the same report as Markdown, as a standalone HTML page. It is
// rendered with html/template, so every user string is escaped.
func HTML(in Input) (string, error) {
	t, err := template.New("report").Parse(htmlPage)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, newRep(in).build()); err != nil {
		return "", err
	}
	return b.String(), nil
}
