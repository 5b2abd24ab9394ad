from lawledger.interfaces.cli.app import main

main()
