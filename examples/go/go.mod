module maytapi-go-example

go 1.25

require (
	github.com/maytapi-pulumi/maytapi-pulumi/sdk/go v0.1.0
	github.com/pulumi/pulumi/sdk/v3 v3.277.0
)

// The SDK of this checkout; outside it, drop this line to use the published module.
replace github.com/maytapi-pulumi/maytapi-pulumi/sdk/go => ../../sdk/go
