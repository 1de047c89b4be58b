// pulumi-language-python: the project's Python language host for the Pulumi engine (what the
// three hosts share is in ../langhost). Run starts the program through the SDK's own launcher,
// pulumi-language-python-exec, installed beside this host; InstallDependencies makes the
// virtualenv Pulumi.yaml names and installs requirements.txt into it.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"maytapi-pulumi/engine/langhost"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type pythonHost struct {
	langhost.Host
	execScript string
}

func main() {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-python:", err)
		os.Exit(1)
	}
	host := &pythonHost{
		Host:       langhost.Host{Generate: python.GenerateProgram},
		execScript: filepath.Join(filepath.Dir(self), "pulumi-language-python-exec"),
	}
	langhost.Serve("pulumi-language-python", &host.Host, host)
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	program := req.GetProgram()
	if info.GetEntryPoint() != "" {
		program = info.GetEntryPoint()
	}
	if program == "" {
		program = "."
	}
	args := []string{"-u", h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.EngineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", fmt.Sprint(req.GetDryRun()),
		"--parallel", fmt.Sprint(req.GetParallel()),
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if info.GetRootDirectory() != "" {
		args = append(args, "--root_directory", info.GetRootDirectory())
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)
	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := h.Command(ctx, pythonFor(info), args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(cmd.Env, config...)
	return h.RunProgram(cmd, "Python"), nil
}

// InstallDependencies, for `pulumi install` and `pulumi new`: the virtualenv of Pulumi.yaml is
// made when missing, and requirements.txt installed into it, as upstream's host does with its
// default (pip) toolchain. A project naming no virtualenv installs nothing: its packages are
// wherever its interpreter finds them.
func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	venv := virtualenv(req.GetInfo())
	if venv == "" {
		return nil
	}
	var commands [][]string
	if _, err := os.Stat(filepath.Join(venv, "bin", "python")); err != nil {
		commands = append(commands, []string{"python3", "-m", "venv", venv})
	}
	requirements := filepath.Join(req.GetInfo().GetProgramDirectory(), "requirements.txt")
	if _, err := os.Stat(requirements); err == nil {
		commands = append(commands, []string{filepath.Join(venv, "bin", "python"), "-m", "pip", "install",
			"--disable-pip-version-check", "-r", requirements})
	}
	return h.Install(req, server, commands...)
}

// virtualenv is Pulumi.yaml's runtime.options.virtualenv, relative to the project root.
func virtualenv(info *pulumirpc.ProgramInfo) string {
	venv, _ := info.GetOptions().AsMap()["virtualenv"].(string)
	if venv != "" && !filepath.IsAbs(venv) {
		venv = filepath.Join(info.GetRootDirectory(), venv)
	}
	return venv
}

// pythonFor picks the interpreter the way Pulumi.yaml asks: runtime.options.virtualenv, else
// $PULUMI_PYTHON_CMD, else python3 on PATH.
func pythonFor(info *pulumirpc.ProgramInfo) string {
	if venv := virtualenv(info); venv != "" {
		return filepath.Join(venv, "bin", "python")
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd
	}
	return "python3"
}
