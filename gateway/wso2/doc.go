// Package wso2 lets the gateway work with WSO2 for teams that run one:
//
//   - SynapseAPI exports the gateway's routes as a WSO2 Micro Integrator
//     Synapse <api> artifact (resources, load-balanced or failover
//     endpoints), like the original integration/wso2_example.xml;
//   - Project writes an apictl project (api.yaml, Definitions/swagger.yaml
//     from the REST API's OpenAPI document, deployment_environments.yaml);
//   - Publisher publishes or updates the Articles API in a WSO2 API Manager
//     through its Publisher REST API v4: client registration, token,
//     create or update, revision, deployment, publication — idempotent, as
//     the original integration/wso2_sync.py was meant to be.
package wso2
