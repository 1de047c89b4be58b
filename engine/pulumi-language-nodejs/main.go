// pulumi-language-nodejs: the project's Node.js language host for the Pulumi engine (what the
// three hosts share is in ../langhost). Run starts the runner the program's own @pulumi/pulumi
// ships (`@pulumi/pulumi/cmd/run`, which compiles TypeScript with ts-node) with the arguments
// and environment upstream's host gives it; InstallDependencies runs `npm install`.
//
// Upstream's host also proxies the engine's resource monitor, for the synchronous invokes of
// old SDKs (`--sync`); the SDKs it runs here no longer use them, so the program talks to the
// engine directly.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"maytapi-pulumi/engine/langhost"

	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type nodeHost struct{ langhost.Host }

func main() {
	host := &nodeHost{langhost.Host{Generate: nodejs.GenerateProgram}}
	langhost.Serve("pulumi-language-nodejs", &host.Host, host)
}

// packageJSON is what the host reads of a package.json.
type packageJSON struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	Dependencies    map[string]string       `json:"dependencies"`
	DevDependencies map[string]string       `json:"devDependencies"`
	Pulumi          plugin.PulumiPluginJSON `json:"pulumi"`
}

func readPackage(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &pkg, nil
}

// resolve finds an installed package's directory as Node.js does: in node_modules of the
// program's directory or of any directory above it.
func resolve(dir, name string) (string, bool) {
	for {
		candidate := filepath.Join(dir, "node_modules", filepath.FromSlash(name))
		if _, err := os.Stat(filepath.Join(candidate, "package.json")); err == nil {
			return candidate, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// missing names the packages package.json asks for that are not installed.
func missing(dir string, pkg *packageJSON) []string {
	var names []string
	for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
		for name := range deps {
			if _, ok := resolve(dir, name); !ok {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

func notInstalled(dir string, names []string) *pulumirpc.RunResponse {
	return &pulumirpc.RunResponse{Error: fmt.Sprintf(
		"the program's packages are not installed (%s is missing from node_modules): "+
			"run `npm install` (or `pulumi install`) in %s", strings.Join(names, ", "), dir)}
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node is not on PATH: install Node.js >= 18 (https://nodejs.org)"}, nil
	}
	pkg, err := readPackage(filepath.Join(dir, "package.json"))
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("a Node.js program needs a package.json: %v", err)}, nil
	}
	if names := missing(dir, pkg); len(names) > 0 {
		return notInstalled(dir, names), nil
	}
	sdk, ok := resolve(dir, "@pulumi/pulumi")
	if !ok {
		return notInstalled(dir, []string{"@pulumi/pulumi"}), nil
	}

	// The runner's flags, as upstream's host passes them (@pulumi/pulumi/cmd/run/index.ts).
	args := []string{filepath.Join(sdk, "cmd", "run"),
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.EngineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", dir,
		"--parallel", fmt.Sprint(req.GetParallel()),
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if root := info.GetRootDirectory(); root != "" {
		args = append(args, "--root-directory", root)
	}
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := h.Command(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Env, config...)
	// Pulumi.yaml's runtime options: TypeScript unless `typescript: false`, and its tsconfig.
	options := info.GetOptions().AsMap()
	if typescript, ok := options["typescript"].(bool); !ok || typescript {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if tsconfig, ok := options["tsconfig"].(string); ok && tsconfig != "" {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}
	return h.RunProgram(cmd, "Node.js"), nil
}

// GetRequiredPackages names the provider plugins the program's packages declare (a "pulumi"
// section with "resource": true in their package.json), so that `pulumi install` and the
// engine know them.
func (h *nodeHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	found := &pulumirpc.GetRequiredPackagesResponse{}
	program, err := readPackage(filepath.Join(dir, "package.json"))
	if err != nil {
		return found, nil // no package.json: Run says so
	}
	for dependency := range program.Dependencies {
		installed, ok := resolve(dir, dependency)
		if !ok {
			continue
		}
		pkg, err := readPackage(filepath.Join(installed, "package.json"))
		if err != nil || !pkg.Pulumi.Resource {
			continue
		}
		name, version := pkg.Pulumi.Name, pkg.Pulumi.Version
		if name == "" {
			name = strings.TrimPrefix(pkg.Name, "@pulumi/")
		}
		if version == "" {
			version = pkg.Version
		}
		found.Packages = append(found.Packages, langhost.Plugin(name, version, pkg.Pulumi.Server))
	}
	sort.Slice(found.Packages, func(i, j int) bool { return found.Packages[i].Name < found.Packages[j].Name })
	return found, nil
}

// InstallDependencies installs package.json's packages, for `pulumi install` and `pulumi new`.
func (h *nodeHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	if manager, _ := req.GetInfo().GetOptions().AsMap()["packagemanager"].(string); manager != "" &&
		manager != "npm" && manager != "auto" {
		return fmt.Errorf("this Node.js language host installs with npm only: run `%s install` yourself", manager)
	}
	return h.Install(req, server, []string{"npm", "install", "--loglevel=error"})
}
