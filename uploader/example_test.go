package uploader_test

import (
	"context"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/uploader"
)

func Example() {
	// Segments go wherever the function puts them; here, a slice.
	var segments []string
	put := func(ctx context.Context, seq uint64, data []byte) error {
		segments = append(segments, fmt.Sprintf("%d:%s", seq, data))
		return nil
	}
	u := uploader.New(put, uploader.Options{SleepTime: time.Hour})

	ctx := context.Background()
	u.Append([]byte("deposit;"))
	u.Append([]byte("withdraw;"))
	if err := u.Sync(ctx); err != nil { // both appends, one upload
		fmt.Println(err)
	}
	u.Append([]byte("transfer;"))
	if err := u.Close(); err != nil { // Close stores the rest
		fmt.Println(err)
	}
	fmt.Println(segments)
	// Output: [1:deposit;withdraw; 2:transfer;]
}
