package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// A pool handed over: recorded now without a call; bump the revision to reset every phone of it.
		reset, err := maytapi.NewFleetFactoryReset(ctx, "pool-reset", &maytapi.FleetFactoryResetArgs{
			PhoneIds:     pulumi.StringArray{pulumi.String("20"), pulumi.String("21")},
			Revision:     pulumi.Int(1),
			FireOnCreate: pulumi.Bool(false),
		})
		if err != nil {
			return err
		}
		ctx.Export("poolResetRevision", reset.Revision)
		return nil
	})
}
