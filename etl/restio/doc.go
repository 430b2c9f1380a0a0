// Package restio joins pipelines to the ArticleKit REST API through its Go
// client: Articles reads every article (paginated GET /articles), Validate
// checks rows with POST /articles/validate and sends the refused ones to
// its reject output, and Writer puts or deletes articles.
//
// Rows map to articles by field name: id, title, content, author, tags
// (a JSON array or comma-separated text), version, created_at, updated_at.
package restio
