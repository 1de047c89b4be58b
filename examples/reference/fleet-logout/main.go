package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// Numbers being retired: each logged out once; bump the revision to log them all out again.
		logout, err := maytapi.NewFleetLogout(ctx, "retired-numbers", &maytapi.FleetLogoutArgs{
			PhoneIds: pulumi.StringArray{pulumi.String("22"), pulumi.String("23")},
			Revision: pulumi.String("2026-12-08"),
		})
		if err != nil {
			return err
		}
		ctx.Export("retiredNumbers", logout.Phones)
		return nil
	})
}
