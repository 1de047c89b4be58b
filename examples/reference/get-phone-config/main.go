package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		phone12, err := maytapi.LookupPhoneConfig(ctx, &maytapi.LookupPhoneConfigArgs{PhoneId: "12"})
		if err != nil {
			return err
		}
		ctx.Export("phone12Webhook", pulumi.StringPtrFromPtr(phone12.Webhook))
		return nil
	})
}
