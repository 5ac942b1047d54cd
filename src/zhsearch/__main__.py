from zhsearch.cli import main

main()
