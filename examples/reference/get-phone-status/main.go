package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		status, err := maytapi.GetPhoneStatus(ctx, &maytapi.GetPhoneStatusArgs{PhoneId: "12"})
		if err != nil {
			return err
		}
		ctx.Export("phone12LoggedIn", pulumi.Bool(status.LoggedIn))
		return nil
	})
}
