from spstories.main import main

main()
