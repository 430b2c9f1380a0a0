package wso2_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/gateway/wso2"
)

// exampleConfig routes /articles/{id} to two REST API instances.
func exampleConfig() gateway.Config {
	return gateway.Config{
		Consumers: []gateway.Consumer{{Name: "frontend", Tier: gateway.TierGold}},
		Upstreams: map[string]gateway.Upstream{"rest": {Targets: []gateway.Target{
			{URL: "http://10.0.0.1:5000"}, {URL: "http://10.0.0.2:5000"}}}},
		Routes: []gateway.Route{{Name: "one", Methods: []string{"GET", "PUT"}, Path: "/articles/{id}",
			Upstream: "rest", Auth: []string{gateway.AuthAPIKey}}},
	}
}

// The routes as a Micro Integrator Synapse API: a resource per route, the
// upstream's targets balanced round-robin.
func ExampleSynapseAPI() {
	artifact, err := wso2.SynapseAPI(exampleConfig(), "ArticlesAPI", "/articles")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(artifact))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <api xmlns="http://ws.apache.org/ns/synapse" name="ArticlesAPI" context="/articles">
	//     <resource methods="GET PUT" uri-template="/{id}">
	//         <inSequence>
	//             <send>
	//                 <endpoint>
	//                     <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
	//                         <endpoint>
	//                             <address uri="http://10.0.0.1:5000/articles"></address>
	//                         </endpoint>
	//                         <endpoint>
	//                             <address uri="http://10.0.0.2:5000/articles"></address>
	//                         </endpoint>
	//                     </loadbalance>
	//                 </endpoint>
	//             </send>
	//         </inSequence>
	//         <outSequence>
	//             <send></send>
	//         </outSequence>
	//         <faultSequence></faultSequence>
	//     </resource>
	// </api>
}

// An apictl project for the API, offering the consumers' tiers.
func ExampleProject() {
	info := wso2.APIInfo{Name: "Articles", Context: "/articles", Version: "1.0.0", Endpoint: "http://10.0.0.1:5000"}
	openapi := []byte("openapi: 3.1.0\ninfo: {title: Articles, version: 1.0.0}\npaths: {}\n")
	files, err := wso2.Project(info, exampleConfig(), openapi)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(slices.Sorted(maps.Keys(files)), "\n"))
	fmt.Print(string(files["api.yaml"]))
	// Output:
	// Definitions/swagger.yaml
	// api.yaml
	// deployment_environments.yaml
	// data:
	//     context: /articles
	//     endpointConfig:
	//         endpoint_type: http
	//         production_endpoints:
	//             url: http://10.0.0.1:5000
	//         sandbox_endpoints:
	//             url: http://10.0.0.1:5000
	//     endpointImplementationType: ENDPOINT
	//     lifeCycleStatus: CREATED
	//     name: Articles
	//     policies:
	//         - Gold
	//     provider: admin
	//     transport:
	//         - http
	//         - https
	//     type: HTTP
	//     version: 1.0.0
	//     visibility: PUBLIC
	// type: api
	// version: v4.7.0
}
