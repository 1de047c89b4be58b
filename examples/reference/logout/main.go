package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// A number being retired: logged out once; bump the revision to log it out again.
		logout, err := maytapi.NewLogout(ctx, "retired-logout", &maytapi.LogoutArgs{
			PhoneId:  pulumi.String("16"),
			Revision: pulumi.String("2026-12-01"),
		})
		if err != nil {
			return err
		}
		ctx.Export("loggedOutAt", logout.FiredAt)
		return nil
	})
}
