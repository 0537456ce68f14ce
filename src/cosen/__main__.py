from cosen.cli import main

main()
