//go:build tools

// Package tools pins Pulumi's YAML language host in a wrapper module of its own: pulumi-yaml
// v1.25.0 requires pulumi pkg/sdk v3.206.0, and keeping its requirements here leaves the CLI's
// pins (../go.mod) as they are. `go build github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml`
// resolves in this module.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
