import pulumi
import pulumi_maytapi as maytapi

# Resolved before the next line runs: a loop over it can declare one resource per phone.
phones = maytapi.get_phones().phones

pulumi.export("numbers", [phone.number for phone in phones])
