// Package webapp is ArticleKit's web app: a page for the people who write
// and read articles — the list with paging, filters and search, an
// article's page, create and edit forms that show each field's error and
// never overwrite a concurrent change, all updated live — and a status
// page for the people who run the platform, with its databases, outbox,
// sync, ETL runs and gateway at a glance and charts of the last minutes.
//
// The page talks to the GraphQL API through the gateway, on the origin
// that served it: queries and mutations over HTTP, live changes over the
// graphql-transport-ws subscription. Its files are built from webapp/ui
// (Preact, graphql-ws, uPlot, Pico CSS; see the README) and embedded:
// running it needs no Node and reaches no other host.
//
// Without fx, mount the App in any server and route / and /app/ to it:
//
//	m := webapp.NewMonitor(webapp.MonitorConfig{Gatherer: registry,
//		Databases: []webapp.Database{{Name: "A", Role: "source", Articles: svc}}}, log)
//	go m.Run(ctx)
//	app, err := webapp.New(webapp.Config{}, webapp.WithMonitor(m))
//	mux.Handle("/", app)
//
// With fx, include Module and supply a Config.
package webapp
