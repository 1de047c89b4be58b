//go:build tools

// Package tools pins the Pulumi CLI's main package in this module, so `go mod tidy` keeps
// its dependencies and `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` resolves here.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
