from zhsearch.interfaces.cli import main

main()
