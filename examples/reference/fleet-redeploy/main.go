package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// After an incident: bump the revision to redeploy every phone of the set once more.
		redeploy, err := maytapi.NewFleetRedeploy(ctx, "all-lines-redeploy", &maytapi.FleetRedeployArgs{
			PhoneIds: pulumi.StringArray{pulumi.String("18"), pulumi.String("19")},
			Revision: pulumi.String("2026-12-08"),
		})
		if err != nil {
			return err
		}
		ctx.Export("allLinesRevision", redeploy.Revision)
		return nil
	})
}
